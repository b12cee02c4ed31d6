using System;
using System.Linq;
using Endpoints.Generator.Common;
using Endpoints.Generator.Emitting;
using Endpoints.Generator.Model;
using Endpoints.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Endpoints.Generator;

/// <summary>
/// Turns every <c>[WebSocketEndpoint]</c> class into a handler, and writes <c>MapWebSocketEndpoints()</c> for the
/// project. Parsing gives a spec (plain data) and real diagnostics; they go to separate outputs, so that source is
/// emitted only when a spec changes and diagnostics keep the source locations pragmas and .editorconfig reach.
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
                // Structs, interfaces and methods too, so that the generator can say what the attribute needs (WS0017).
                predicate: static (node, _) => node is TypeDeclarationSyntax or MethodDeclarationSyntax,
                transform: EndpointParser.Parse)
            .WithTrackingName(TrackingNames.ParseEndpoints);

        var diagnostics = parsed
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.EndpointDiagnostics);
        context.RegisterSourceOutput(diagnostics, static (output, items) =>
        {
            foreach (var diagnostic in items) output.ReportDiagnostic(diagnostic);
        });

        // Two endpoints on one pattern can only be seen across all of them.
        var routes = parsed
            .Where(static result => result.Route is not null)
            .Select(static (result, _) => result.Route!)
            .Collect()
            .WithTrackingName(TrackingNames.Routes);
        context.RegisterSourceOutput(routes, static (output, items) =>
        {
            foreach (var diagnostic in DuplicateRoutes.Find(items)) output.ReportDiagnostic(diagnostic);
        });

        // The project's System.Text.Json contexts, for the typed messages' compile-time check.
        var jsonContexts = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.JsonSerializableAttribute,
                predicate: static (node, _) => node is ClassDeclarationSyntax,
                transform: JsonCoverage.ReadContext)
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!)
            .Collect()
            .Select(static (parts, _) => JsonCoverage.Merge(parts))
            .WithTrackingName(TrackingNames.JsonContexts);

        // The JSON check in two parts: the spec's (which reads no location, so an edit that only moves code leaves it
        // cached) and WS0050's (which needs the places the types are named, kept beside the spec).
        var covered = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .Combine(jsonContexts)
            .Select(static (pair, _) => JsonCoverage.Resolve(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.JsonCoverage);
        var coverageDiagnostics = parsed
            .Where(static result => result.Spec?.Typed is not null)
            .Combine(jsonContexts)
            .Select(static (pair, _) => JsonCoverage.Diagnose(pair.Left, pair.Right).AddRange(TypePropertyCheck.Diagnose(pair.Left, pair.Right)))
            .WithTrackingName(TrackingNames.JsonCoverageDiagnostics);
        context.RegisterSourceOutput(coverageDiagnostics, static (output, items) =>
        {
            foreach (var diagnostic in items) output.ReportDiagnostic(diagnostic);
        });

        // A typed send of a type the endpoint does not declare.
        var sendSites = context.SyntaxProvider
            .CreateSyntaxProvider(SendSites.IsCandidate, SendSites.Check)
            .Where(static diagnostic => diagnostic is not null)
            .WithTrackingName(TrackingNames.SendSites);
        context.RegisterSourceOutput(sendSites, static (output, diagnostic) => output.ReportDiagnostic(diagnostic!));

        // IWebSocketClients<T> of a class that is not an endpoint, anywhere in the project; the project's endpoint names
        // (for the suggestion) change only when an endpoint class is added, removed or renamed.
        var endpointNames = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownTypes.EndpointAttribute, predicate: static (node, _) => node is TypeDeclarationSyntax, transform: ClientsSites.EndpointName)
            .Collect()
            .Select(static (names, _) => names.ToEquatableArray())
            .WithTrackingName(TrackingNames.EndpointNames);
        var clientsSites = context.SyntaxProvider
            .CreateSyntaxProvider(ClientsSites.IsCandidate, ClientsSites.Check)
            .Where(static site => site is not null)
            .WithTrackingName(TrackingNames.ClientsSites);
        context.RegisterSourceOutput(clientsSites.Combine(endpointNames), static (output, item) => output.ReportDiagnostic(ClientsSites.Diagnose(item.Left!, item.Right)));

        // Calls on connections, clients, targets and the outbox: group changes, sends in constructors, UserId as a name, streamed writers.
        var usageSites = context.SyntaxProvider
            .CreateSyntaxProvider(UsageSites.IsCandidate, UsageSites.Check)
            .Where(static diagnostics => diagnostics.Count > 0)
            .WithTrackingName(TrackingNames.UsageSites);
        context.RegisterSourceOutput(usageSites, static (output, diagnostics) =>
        {
            foreach (var diagnostic in diagnostics) output.ReportDiagnostic(diagnostic);
        });

        var endpoints = covered
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!)
            .WithTrackingName(TrackingNames.ValidEndpoints);

        var module = context.CompilationProvider
            .Select(ModuleReader.Read)
            .WithTrackingName(TrackingNames.Module);

        context.RegisterSourceOutput(
            endpoints.Combine(module.Select(static (m, _) => m.ModuleClassName)).WithTrackingName(TrackingNames.EndpointsWithModule),
            static (output, item) => output.AddSource(item.Left.HintName, EndpointEmitter.Emit(item.Left, item.Right, s_version)));

        var allEndpoints = endpoints
            .Collect()
            .Select(static (items, _) => items.OrderBy(static spec => spec.DisplayName, StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(TrackingNames.AllEndpoints);

        // MapWebSocketEndpoints() exists whenever the project has an endpoint class, valid or not: an endpoint with an
        // error is left out of it, so the user sees that one error and not a missing method in Program.cs as well.
        var anyEndpointClass = parsed
            .Collect()
            .Select(static (results, _) => results.Length > 0)
            .WithTrackingName(TrackingNames.AnyEndpointClass);

        context.RegisterSourceOutput(allEndpoints.Combine(module).Combine(anyEndpointClass), static (output, item) =>
        {
            var ((all, moduleSpec), anyEndpoint) = item;
            if (all.Count == 0 && moduleSpec.ReferencedModules.Count == 0 && !anyEndpoint) return;
            output.AddSource(ModuleEmitter.HintName, ModuleEmitter.Emit(all, moduleSpec, s_version));
        });

        // The app's AsyncAPI document, from the endpoints' contracts (kept beside their specs: an edit that leaves the
        // contract alone leaves the document cached) and the JSON contexts (names, enums, required parameters).
        var contracts = parsed
            .Where(static result => result.Contract is not null)
            .Select(static (result, _) => result.Contract!)
            .Collect()
            .Select(static (items, _) => items.OrderBy(static c => c.DisplayName, StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(TrackingNames.Contracts);
        var app = context.CompilationProvider
            .Select(static (compilation, _) => new AsyncApiApp(compilation.AssemblyName ?? "Assembly", CSharpText.Identifier(compilation.AssemblyName ?? "Assembly"),
                compilation.Assembly.Identity.Version.ToString(3)))
            .WithTrackingName(TrackingNames.AsyncApiApp);
        var document = contracts
            .Combine(jsonContexts)
            .Combine(app)
            .Select(static (item, _) => AsyncApiEmitter.Document(item.Left.Left.Select(c => JsonCoverage.WithContext(c, item.Left.Right)).ToList(), item.Right))
            .WithTrackingName(TrackingNames.AsyncApiDocument);
        context.RegisterSourceOutput(document.Combine(app).Combine(anyEndpointClass), static (output, item) =>
        {
            var ((json, appSpec), anyEndpoint) = item;
            if (!anyEndpoint) return;
            output.AddSource(AsyncApiEmitter.HintName, AsyncApiEmitter.Emit(json, appSpec, s_version));
        });

        // The app's typed TypeScript client, from the same contracts and contexts: cached alike.
        var typeScript = contracts
            .Combine(jsonContexts)
            .Combine(app)
            .Select(static (item, _) => TypeScriptEmitter.Module(item.Left.Left.Select(c => JsonCoverage.WithContext(c, item.Left.Right)).ToList(), item.Right))
            .WithTrackingName(TrackingNames.TypeScriptClient);
        context.RegisterSourceOutput(typeScript.Combine(app).Combine(anyEndpointClass), static (output, item) =>
        {
            var ((module, appSpec), anyEndpoint) = item;
            if (!anyEndpoint) return;
            output.AddSource(TypeScriptEmitter.HintName, TypeScriptEmitter.Emit(module, appSpec, s_version));
        });
    }
}
