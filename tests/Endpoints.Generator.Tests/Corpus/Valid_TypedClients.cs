// Typed clients of the project's own endpoints: typed messages through the endpoint's context (found, not named),
// replies, text and binary, route and query values, a client nested in partial classes and one in the global namespace.
// generates: Shapes.GameEndpoint, Shapes.EchoEndpoint
using System;
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Endpoints;
using Endpoints.Client;
using Microsoft.AspNetCore.Mvc;

[WebSocketClient(typeof(Shapes.EchoEndpoint))]
internal sealed partial class GlobalEchoClient;

namespace Shapes
{
    public sealed record Move(int X, int Y);
    public sealed record Join(string Name);
    public sealed record Joined(int Players);
    public sealed record Moved(int X, int Y);

    [JsonSerializable(typeof(Move))]
    [JsonSerializable(typeof(Join))]
    [JsonSerializable(typeof(Joined))]
    [JsonSerializable(typeof(Moved))]
    internal partial class GameJson : JsonSerializerContext;

    [WebSocketEndpoint("/game/{table:int}", Sends = new[] { typeof(Moved) })]
    public sealed class GameEndpoint
    {
        public void OnOpen(int table, [FromQuery] string? name) { }
        public void OnMessage(Move move) { }
        public Task<Joined> OnMessage(Join join) => Task.FromResult(new Joined(1));
    }

    [WebSocketEndpoint("/echo")]
    public sealed class EchoEndpoint
    {
        public void OnText(string text) { }
        public void OnBinary(ReadOnlyMemory<byte> data) { }
    }

    public static partial class Clients
    {
        [WebSocketClient(typeof(GameEndpoint))]
        public sealed partial class GameClient;
    }

    internal static class Use
    {
        public static async Task<int> PlayAsync(Uri server)
        {
            await using var game = await Clients.GameClient.ConnectAsync(server, 7, name: "ann");
            await game.SendAsync(new Move(1, 2));
            var joined = await game.RequestAsync(new Join("ann"));
            await using var echo = await GlobalEchoClient.ConnectAsync(server);
            await echo.SendTextAsync("hi");
            await echo.SendBinaryAsync(new byte[] { 1 });
            return joined.Players + Clients.GameClient.PathFor(7).Length;
        }
    }
}
