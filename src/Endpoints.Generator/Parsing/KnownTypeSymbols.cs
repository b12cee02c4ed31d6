using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// The types the parser recognises, resolved once per compilation (like System.Text.Json's KnownTypeSymbols and the
/// Request Delegate Generator's WellKnownTypes) and compared as symbols, never as display strings. Each is looked up
/// the first time it is asked for; the object is shared by every transform of one compilation, so the parse of each
/// endpoint (which runs on every compilation) costs a table lookup. A type the compilation does not reference is
/// null, and nothing is that type.
/// </summary>
internal sealed class KnownTypeSymbols
{
    private static readonly ConditionalWeakTable<Compilation, KnownTypeSymbols> s_perCompilation = new();

    private readonly Compilation _compilation;

    private Slot? _connection, _closeInfo, _message, _invalidMessage, _messageAttribute, _endpointAttribute, _targetOfT;
    private Slot? _httpContext, _fromServiceMetadata, _fromQueryMetadata, _fromHeaderMetadata;
    private Slot? _cancellationToken, _claimsPrincipal, _exception, _formatProvider, _webSocket, _webSocketCloseStatus, _stream, _textReader;
    private Slot? _task, _valueTask, _taskOfT, _valueTaskOfT, _readOnlyMemoryOfT, _readOnlySpanOfT, _memoryOfT, _arraySegmentOfT, _listOfT;
    private Slot? _channelWriterOfT, _jsonSerializerContext;
    private Slot? _clientsOfT, _target, _authorizeData, _allowAnonymous;
    private Slot? _jsonSourceGenerationOptions, _jsonPropertyName, _jsonIgnore, _jsonInclude, _jsonExtensionData;
    private Slot? _dictionaryOfKV, _readOnlyDictionaryOfKV, _jsonRequired, _jsonConverterAttribute, _jsonStringEnumConverter, _jsonStringEnumConverterOfT;
    private Slot? _jsonConstructor, _jsonPropertyOrder, _jsonStringEnumMemberName, _flags;

    private KnownTypeSymbols(Compilation compilation) => _compilation = compilation;

    /// <summary>The known types of <paramref name="compilation"/>: created on first use, then shared.</summary>
    public static KnownTypeSymbols For(Compilation compilation) => s_perCompilation.GetValue(compilation, static c => new KnownTypeSymbols(c));

    public INamedTypeSymbol? Connection => Get(ref _connection, "Endpoints.WebSocketConnection");
    public INamedTypeSymbol? CloseInfo => Get(ref _closeInfo, "Endpoints.WebSocketCloseInfo");
    public INamedTypeSymbol? Message => Get(ref _message, "Endpoints.WebSocketMessage");
    public INamedTypeSymbol? InvalidMessage => Get(ref _invalidMessage, "Endpoints.WebSocketInvalidMessage");
    public INamedTypeSymbol? MessageAttribute => Get(ref _messageAttribute, "Endpoints.WebSocketMessageAttribute");
    public INamedTypeSymbol? EndpointAttribute => Get(ref _endpointAttribute, KnownTypes.EndpointAttribute);
    public INamedTypeSymbol? TargetOfT => Get(ref _targetOfT, "Endpoints.IWebSocketTarget`1");
    public INamedTypeSymbol? HttpContext => Get(ref _httpContext, "Microsoft.AspNetCore.Http.HttpContext");
    public INamedTypeSymbol? FromServiceMetadata => Get(ref _fromServiceMetadata, "Microsoft.AspNetCore.Http.Metadata.IFromServiceMetadata");
    public INamedTypeSymbol? FromQueryMetadata => Get(ref _fromQueryMetadata, "Microsoft.AspNetCore.Http.Metadata.IFromQueryMetadata");
    public INamedTypeSymbol? FromHeaderMetadata => Get(ref _fromHeaderMetadata, "Microsoft.AspNetCore.Http.Metadata.IFromHeaderMetadata");
    public INamedTypeSymbol? CancellationToken => Get(ref _cancellationToken, "System.Threading.CancellationToken");
    public INamedTypeSymbol? ClaimsPrincipal => Get(ref _claimsPrincipal, "System.Security.Claims.ClaimsPrincipal");
    public INamedTypeSymbol? Exception => Get(ref _exception, "System.Exception");
    public INamedTypeSymbol? FormatProvider => Get(ref _formatProvider, "System.IFormatProvider");
    public INamedTypeSymbol? WebSocket => Get(ref _webSocket, "System.Net.WebSockets.WebSocket");
    public INamedTypeSymbol? WebSocketCloseStatus => Get(ref _webSocketCloseStatus, "System.Net.WebSockets.WebSocketCloseStatus");
    public INamedTypeSymbol? Stream => Get(ref _stream, "System.IO.Stream");
    public INamedTypeSymbol? TextReader => Get(ref _textReader, "System.IO.TextReader");
    public INamedTypeSymbol? Task => Get(ref _task, "System.Threading.Tasks.Task");
    public INamedTypeSymbol? ValueTask => Get(ref _valueTask, "System.Threading.Tasks.ValueTask");
    public INamedTypeSymbol? TaskOfT => Get(ref _taskOfT, "System.Threading.Tasks.Task`1");
    public INamedTypeSymbol? ValueTaskOfT => Get(ref _valueTaskOfT, "System.Threading.Tasks.ValueTask`1");
    public INamedTypeSymbol? ReadOnlyMemoryOfT => Get(ref _readOnlyMemoryOfT, "System.ReadOnlyMemory`1");
    public INamedTypeSymbol? ReadOnlySpanOfT => Get(ref _readOnlySpanOfT, "System.ReadOnlySpan`1");
    public INamedTypeSymbol? MemoryOfT => Get(ref _memoryOfT, "System.Memory`1");
    public INamedTypeSymbol? ArraySegmentOfT => Get(ref _arraySegmentOfT, "System.ArraySegment`1");
    public INamedTypeSymbol? ListOfT => Get(ref _listOfT, "System.Collections.Generic.List`1");
    public INamedTypeSymbol? ChannelWriterOfT => Get(ref _channelWriterOfT, "System.Threading.Channels.ChannelWriter`1");
    public INamedTypeSymbol? JsonSerializerContext => Get(ref _jsonSerializerContext, "System.Text.Json.Serialization.JsonSerializerContext");
    public INamedTypeSymbol? ClientsOfT => Get(ref _clientsOfT, "Endpoints.IWebSocketClients`1");
    public INamedTypeSymbol? Target => Get(ref _target, "Endpoints.IWebSocketTarget");
    public INamedTypeSymbol? AuthorizeData => Get(ref _authorizeData, "Microsoft.AspNetCore.Authorization.IAuthorizeData");
    public INamedTypeSymbol? AllowAnonymous => Get(ref _allowAnonymous, "Microsoft.AspNetCore.Authorization.IAllowAnonymous");
    public INamedTypeSymbol? JsonSourceGenerationOptions
        => Get(ref _jsonSourceGenerationOptions, "System.Text.Json.Serialization.JsonSourceGenerationOptionsAttribute");
    public INamedTypeSymbol? JsonPropertyName => Get(ref _jsonPropertyName, "System.Text.Json.Serialization.JsonPropertyNameAttribute");
    public INamedTypeSymbol? JsonIgnore => Get(ref _jsonIgnore, "System.Text.Json.Serialization.JsonIgnoreAttribute");
    public INamedTypeSymbol? JsonInclude => Get(ref _jsonInclude, "System.Text.Json.Serialization.JsonIncludeAttribute");
    public INamedTypeSymbol? JsonExtensionData => Get(ref _jsonExtensionData, "System.Text.Json.Serialization.JsonExtensionDataAttribute");
    public INamedTypeSymbol? DictionaryOfKV => Get(ref _dictionaryOfKV, "System.Collections.Generic.IDictionary`2");
    public INamedTypeSymbol? ReadOnlyDictionaryOfKV => Get(ref _readOnlyDictionaryOfKV, "System.Collections.Generic.IReadOnlyDictionary`2");
    public INamedTypeSymbol? JsonRequired => Get(ref _jsonRequired, "System.Text.Json.Serialization.JsonRequiredAttribute");
    public INamedTypeSymbol? JsonConverterAttribute => Get(ref _jsonConverterAttribute, "System.Text.Json.Serialization.JsonConverterAttribute");
    public INamedTypeSymbol? JsonStringEnumConverter => Get(ref _jsonStringEnumConverter, "System.Text.Json.Serialization.JsonStringEnumConverter");
    public INamedTypeSymbol? JsonStringEnumConverterOfT => Get(ref _jsonStringEnumConverterOfT, "System.Text.Json.Serialization.JsonStringEnumConverter`1");
    public INamedTypeSymbol? JsonConstructor => Get(ref _jsonConstructor, "System.Text.Json.Serialization.JsonConstructorAttribute");
    public INamedTypeSymbol? JsonPropertyOrder => Get(ref _jsonPropertyOrder, "System.Text.Json.Serialization.JsonPropertyOrderAttribute");
    public INamedTypeSymbol? JsonStringEnumMemberName => Get(ref _jsonStringEnumMemberName, "System.Text.Json.Serialization.JsonStringEnumMemberNameAttribute");
    public INamedTypeSymbol? Flags => Get(ref _flags, "System.FlagsAttribute");

    /// <summary>Whether <paramref name="converter"/> (a [JsonConverter]'s type) writes enums as their names.</summary>
    public bool IsStringEnumConverter(ITypeSymbol? converter) => Is(converter, JsonStringEnumConverter) || IsConstructedFrom(converter, JsonStringEnumConverterOfT);

    /// <summary><c>ReadOnlyMemory&lt;byte&gt;</c>: a binary message, or a text message's UTF-8 bytes.</summary>
    public bool IsReadOnlyMemoryOfByte(ITypeSymbol type) => IsConstructedFrom(type, ReadOnlyMemoryOfT, SpecialType.System_Byte);

    /// <summary><c>Task</c> or <c>ValueTask</c>, or either of a result.</summary>
    public bool IsAwaitable(ITypeSymbol type)
        => Is(type, Task) || Is(type, ValueTask) || IsConstructedFrom(type, TaskOfT) || IsConstructedFrom(type, ValueTaskOfT);

    /// <summary>
    /// Whether <paramref name="method"/> is declared by <paramref name="type"/> or overrides (or implements, through
    /// an interface it derives from) one that is: a call on a derived connection or target is still that call.
    /// </summary>
    public static bool IsMemberOf(IMethodSymbol method, INamedTypeSymbol? type)
    {
        if (type is null) return false;
        for (var current = method; current is not null; current = current.OverriddenMethod)
        {
            var declaring = current.ContainingType.OriginalDefinition;
            if (SymbolEqualityComparer.Default.Equals(declaring, type)) return true;
            if (type.TypeKind == TypeKind.Interface && Implements(declaring, type) && declaring.TypeKind == TypeKind.Interface) return true;
        }
        return false;
    }

    /// <summary>Whether <paramref name="type"/> is <paramref name="known"/>, ignoring nullable annotations.</summary>
    public static bool Is(ITypeSymbol? type, INamedTypeSymbol? known)
        => type is not null && known is not null && SymbolEqualityComparer.Default.Equals(type, known);

    /// <summary>
    /// Whether <paramref name="type"/> is constructed from the generic definition <paramref name="definition"/>
    /// (e.g. <c>Task&lt;int&gt;</c> from <c>Task&lt;T&gt;</c>): the definitions are compared.
    /// </summary>
    public static bool IsConstructedFrom(ITypeSymbol? type, INamedTypeSymbol? definition)
        => type is INamedTypeSymbol { IsGenericType: true } named && definition is not null
           && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, definition);

    /// <summary>Whether <paramref name="type"/> is <paramref name="definition"/> of <paramref name="argument"/>.</summary>
    public static bool IsConstructedFrom(ITypeSymbol? type, INamedTypeSymbol? definition, SpecialType argument)
        => IsConstructedFrom(type, definition) && ((INamedTypeSymbol)type!).TypeArguments is { Length: 1 } arguments && arguments[0].SpecialType == argument;

    /// <summary>Whether <paramref name="type"/> or a type it derives from is <paramref name="known"/>.</summary>
    public static bool IsOrDerivesFrom(ITypeSymbol? type, INamedTypeSymbol? known) => Is(type, known) || DerivesFrom(type, known);

    /// <summary>Whether a base type of <paramref name="type"/> (not the type itself) is <paramref name="known"/>.</summary>
    public static bool DerivesFrom(ITypeSymbol? type, INamedTypeSymbol? known)
    {
        if (type is null || known is null) return false;
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, known)) return true;
        }
        return false;
    }

    /// <summary>Whether the type or a type it derives from implements the interface <paramref name="known"/>.</summary>
    public static bool Implements(ITypeSymbol type, INamedTypeSymbol? known)
    {
        if (known is null) return false;
        foreach (var implemented in type.AllInterfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(implemented, known)) return true;
        }
        return false;
    }

    private INamedTypeSymbol? Get(ref Slot? slot, string metadataName)
    {
        // Two threads may both resolve a type: they find the same symbol, so the race is harmless.
        slot ??= new Slot(Resolve(metadataName));
        return slot.Type;
    }

    /// <summary>
    /// The type by its metadata name. It is looked for first in the assembly that defines it (<see cref="HomesOf"/>),
    /// a dictionary lookup: the compilation-wide lookup searches every reference, about 40 µs a type with ASP.NET
    /// Core's, and the parse, which runs on every compilation, asks for dozens. A type the project defines itself (a
    /// polyfill) is its own. Otherwise, when several assemblies define it, the compiler's lookup gives nothing; then
    /// the project's own is taken, as its code binds to that one, else the first the project can see.
    /// </summary>
    private INamedTypeSymbol? Resolve(string metadataName)
    {
        if (_compilation.Assembly.GetTypeByMetadataName(metadataName) is { } own) return own;
        foreach (var home in HomesOf(metadataName))
        {
            if (ReferencedAssembly(home)?.GetTypeByMetadataName(metadataName) is { DeclaredAccessibility: Accessibility.Public } found) return found;
        }
        var type = _compilation.GetTypeByMetadataName(metadataName);
        if (type is not null) return type;
        INamedTypeSymbol? visible = null;
        foreach (var candidate in _compilation.GetTypesByMetadataName(metadataName))
        {
            if (SymbolEqualityComparer.Default.Equals(candidate.ContainingAssembly, _compilation.Assembly)) return candidate;
            if (visible is null && _compilation.IsSymbolAccessibleWithin(candidate, _compilation.Assembly)) visible = candidate;
        }
        return visible;
    }

    /// <summary>
    /// The assemblies that define a known type: the reference assembly a build compiles against and the implementation
    /// a test host runs on. Only a shortcut: a type found elsewhere is still found, by the compilation-wide lookup.
    /// </summary>
    internal static IReadOnlyList<string> HomesOf(string metadataName)
    {
        if (metadataName.StartsWith("Endpoints.", StringComparison.Ordinal)) return s_abstractions;
        foreach (var (prefix, homes) in s_homes)
        {
            if (metadataName.StartsWith(prefix, StringComparison.Ordinal)) return homes;
        }
        return [];
    }

    private static readonly string[] s_abstractions = [KnownTypes.AbstractionsAssembly];

    // Longer prefixes first: the first that matches names the assemblies.
    private static readonly (string Prefix, string[] Homes)[] s_homes =
    [
        ("System.Text.Json.", ["System.Text.Json"]),
        ("System.Net.WebSockets.", ["System.Net.WebSockets"]),
        ("System.Threading.Channels.", ["System.Threading.Channels"]),
        ("System.Security.Claims.", ["System.Security.Claims"]),
        ("System.Collections.Generic.List`1", ["System.Collections", "System.Private.CoreLib"]),
        ("Microsoft.AspNetCore.Http.", ["Microsoft.AspNetCore.Http.Abstractions"]),
        ("Microsoft.AspNetCore.Authorization.", ["Microsoft.AspNetCore.Metadata"]),
        ("System.", ["System.Runtime", "System.Private.CoreLib"]),
    ];

    private Dictionary<string, IAssemblySymbol>? _referencedAssemblies;

    private IAssemblySymbol? ReferencedAssembly(string name)
    {
        // Published whole (two threads may both build it; either serves).
        var assemblies = Volatile.Read(ref _referencedAssemblies);
        if (assemblies is null)
        {
            assemblies = new Dictionary<string, IAssemblySymbol>(StringComparer.Ordinal);
            foreach (var assembly in _compilation.SourceModule.ReferencedAssemblySymbols) assemblies[assembly.Identity.Name] = assembly;
            Volatile.Write(ref _referencedAssemblies, assemblies);
        }
        return assemblies.TryGetValue(name, out var found) ? found : null;
    }

    /// <summary>A looked-up type, null when the compilation has none (so that a missing type is looked up once too).</summary>
    private sealed class Slot(INamedTypeSymbol? type)
    {
        public INamedTypeSymbol? Type { get; } = type;
    }
}
