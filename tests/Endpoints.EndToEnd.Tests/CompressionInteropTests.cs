using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests;

/// <summary>
/// permessage-deflate against the clients people use, with every parameter combination they offer: .NET's
/// ClientWebSocket (DangerousDeflateOptions) and python-websockets (Debian's python3-websockets). Every message comes
/// back whole, including after messages compressed on their own and empty ones.
/// </summary>
public sealed class CompressionInteropTests
{
    private static readonly string[] s_texts = ["", "Hello", string.Concat(Enumerable.Repeat("κόσμε ", 200)), string.Concat(Enumerable.Repeat("compress me ", 6000))];

    public static TheoryData<int, int, bool, bool> ClientWebSocketOffers()
    {
        var offers = new TheoryData<int, int, bool, bool>();
        foreach (var clientBits in new[] { 9, 12, 15 })
        {
            foreach (var serverBits in new[] { 15, 10 })
            {
                foreach (var clientTakeover in new[] { true, false })
                {
                    foreach (var serverTakeover in new[] { true, false }) offers.Add(clientBits, serverBits, clientTakeover, serverTakeover);
                }
            }
        }
        return offers;
    }

    [Theory]
    [MemberData(nameof(ClientWebSocketOffers))]
    public async Task ClientWebSocketGetsEveryMessageBackWhateverItOffers(int clientBits, int serverBits, bool clientTakeover, bool serverTakeover)
    {
        await using var server = await TestServer.StartAsync(options: o => o.EnableCompression = true);
        using var socket = new ClientWebSocket();
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions
        {
            ClientMaxWindowBits = clientBits,
            ServerMaxWindowBits = serverBits,
            ClientContextTakeover = clientTakeover,
            ServerContextTakeover = serverTakeover,
        };
        socket.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(server.WebSocketUri("/echo"), timeout.Token);
        var negotiated = socket.HttpResponseHeaders?.ContainsKey("Sec-WebSocket-Extensions") == true;
        // A server window below 15 bits is declined (DeflateStream cannot keep to it); every other offer is taken.
        Assert.Equal(serverBits == 15, negotiated);

        for (var round = 0; round < 2; round++)
        {
            foreach (var text in s_texts)
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
                var (type, data) = await ReceiveAsync(socket, timeout.Token);
                Assert.Equal((WebSocketMessageType.Text, text), (type, Encoding.UTF8.GetString(data)));
            }
            var binary = Enumerable.Range(0, 70_000).Select(i => (byte)(i % 7)).ToArray();
            await socket.SendAsync(binary, WebSocketMessageType.Binary, true, timeout.Token);
            Assert.Equal(binary, (await ReceiveAsync(socket, timeout.Token)).Data);
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
    }

    [Fact]
    public async Task PythonWebsocketsGetsEveryMessageBackWithEveryOfferItCanMake()
    {
        await using var server = await TestServer.StartAsync(options: o => o.EnableCompression = true);
        var script = Path.Combine(AppContext.BaseDirectory, "Interop", "deflate_client.py");
        var start = new ProcessStartInfo("/usr/bin/python3") { ArgumentList = { script, server.WebSocketUri("/echo").ToString() }, RedirectStandardOutput = true, RedirectStandardError = true };
        using var python = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var output = python.StandardOutput.ReadToEndAsync();
        var errors = python.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await python.WaitForExitAsync(timeout.Token);
        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(python.ExitCode == 0, "python-websockets (apt-get install python3-websockets; ./test.sh installs it): " + await output + await errors);
        Assert.Equal(48, lines.Length);
        // Every offer with a 15-bit (or unstated) server window is taken.
        Assert.All(lines.Where(l => !l.Contains("server_bits=10", StringComparison.Ordinal)), line => Assert.EndsWith("negotiated=True", line));
    }

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return (result.MessageType, message.ToArray());
        }
    }
}
