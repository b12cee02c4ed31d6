using Endpoints.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Client.Generator;

/// <summary>
/// Writes the other half of every <c>[WebSocketClient(typeof(E))]</c> partial class: a typed client of the endpoint
/// <c>E</c>, from the contract the endpoint generator reads (its route, messages, replies and sends), whether <c>E</c> is
/// in this project or a referenced one. Reading gives a spec and diagnostics; they go to separate outputs.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class WebSocketClientGenerator : IIncrementalGenerator
{
    private static readonly string s_version = typeof(WebSocketClientGenerator).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(ClientReader.ClientAttribute, static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax, ClientReader.Read)
            .WithTrackingName(TrackingNames.ParseClients);

        var diagnostics = parsed
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.ClientDiagnostics);
        context.RegisterSourceOutput(diagnostics, static (output, items) =>
        {
            foreach (var diagnostic in items) output.ReportDiagnostic(diagnostic);
        });

        var clients = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.ValidClients);
        context.RegisterSourceOutput(clients, static (output, spec) => output.AddSource(spec.HintName, ClientEmitter.Emit(spec, s_version)));
    }
}
