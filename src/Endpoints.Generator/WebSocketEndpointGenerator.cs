using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Endpoints.Generator.Emitting;
using Endpoints.Generator.Model;
using Endpoints.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator;

/// <summary>
/// Turns every <c>[WebSocketEndpoint]</c> class into a dispatcher and handler, and writes
/// <c>MapWebSocketEndpoints()</c> for the project.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class WebSocketEndpointGenerator : IIncrementalGenerator
{
    private static readonly string s_version = typeof(WebSocketEndpointGenerator).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.EndpointAttribute,
                predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                transform: EndpointParser.Parse)
            .WithTrackingName(TrackingNames.ParseEndpoints);

        var diagnostics = parsed
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.EndpointDiagnostics);
        context.RegisterSourceOutput(diagnostics, static (output, items) =>
        {
            foreach (var diagnostic in items) output.ReportDiagnostic(diagnostic.ToDiagnostic());
        });

        // Two endpoints on one pattern can only be seen across all of them.
        var routes = parsed
            .Where(static result => result.Route is not null)
            .Select(static (result, _) => result.Route!)
            .Collect()
            .WithTrackingName(TrackingNames.Routes);
        context.RegisterSourceOutput(routes, static (output, items) =>
        {
            foreach (var diagnostic in DuplicateRoutes.Find(items)) output.ReportDiagnostic(diagnostic.ToDiagnostic());
        });

        var endpoints = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.ValidEndpoints);

        var module = context.CompilationProvider
            .Select(static (compilation, cancellationToken) => ReadModule(compilation, cancellationToken))
            .WithTrackingName(TrackingNames.Module);

        context.RegisterSourceOutput(
            endpoints.Combine(module.Select(static (m, _) => m.ModuleClassName)).WithTrackingName(TrackingNames.EndpointsWithModule),
            static (output, item) => output.AddSource(item.Left.HintName, EndpointEmitter.EmitEndpoint(item.Left, item.Right, s_version)));

        var allEndpoints = endpoints
            .Collect()
            .Select(static (items, _) => items.OrderBy(static spec => spec.DisplayName, System.StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(TrackingNames.AllEndpoints);

        context.RegisterSourceOutput(allEndpoints.Combine(module), static (output, item) =>
        {
            var (all, moduleSpec) = item;
            if (all.Count == 0 && moduleSpec.ReferencedModules.Count == 0) return;
            output.AddSource("WebSocketEndpoints.g.cs", EndpointEmitter.EmitModule(all, moduleSpec, s_version));
        });
    }

    private static ModuleSpec ReadModule(Compilation compilation, CancellationToken cancellationToken)
    {
        var referenced = new List<string>();
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var attribute in assembly.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) != KnownTypes.ModuleAttribute) continue;
                if (attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is INamedTypeSymbol { DeclaredAccessibility: Accessibility.Public } moduleType)
                {
                    referenced.Add(moduleType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
                }
            }
        }
        referenced.Sort(System.StringComparer.Ordinal);
        return new ModuleSpec(EndpointParser.ToIdentifier(compilation.AssemblyName ?? "Assembly"), referenced.ToEquatableArray());
    }
}
