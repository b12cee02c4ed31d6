using System.Text.Json;
using System.Text.Json.Serialization;
using Endpoints;

namespace Dashboard;

/// <summary>From the page: start receiving a symbol's prices.</summary>
public sealed record Subscribe(string Symbol);

/// <summary>From the page: stop receiving a symbol's prices.</summary>
public sealed record Unsubscribe(string Symbol);

/// <summary>To the page: a symbol's latest price.</summary>
public sealed record Price(string Symbol, decimal Value, decimal Change, DateTimeOffset At);

/// <summary>To the page: the symbols there are, and how many dashboards watch each.</summary>
[WebSocketMessage("symbols")]
public sealed record SymbolList(IReadOnlyList<SymbolInfo> Symbols);

public sealed record SymbolInfo(string Symbol, int Watchers);

/// <summary>Every message type of the dashboard, serialized without reflection (Native AOT).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Subscribe))]
[JsonSerializable(typeof(Unsubscribe))]
[JsonSerializable(typeof(Price))]
[JsonSerializable(typeof(SymbolList))]
internal sealed partial class DashboardJson : JsonSerializerContext;
