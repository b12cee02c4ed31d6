using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Chat;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Endpoints.Redis.Tests;

/// <summary>Two Chat servers sharing one Redis and one signing key behave as one chat.</summary>
public sealed class ChatScaleOutTests : IAsyncLifetime
{
    private const string SigningKey = "a signing key shared by both chat servers, 32+ bytes";
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task RoomMessagesPrivateMessagesAndWhoSpanBothServers()
    {
        await using var one = await StartChatAsync("one");
        await using var two = await StartChatAsync("two");
        using var ann = await JoinAsync(one, "ann", "lobby");
        Assert.Equal("* welcome to lobby, ann (1 here)", await ann.ReceiveTextAsync());
        Assert.Equal("* ann joined", await ann.ReceiveTextAsync());

        using var ben = await JoinAsync(two, "ben", "lobby");
        Assert.Equal("* welcome to lobby, ben (2 here)", await ben.ReceiveTextAsync()); // counts the other server's member
        Assert.Equal("* ben joined", await ben.ReceiveTextAsync());
        Assert.Equal("* ben joined", await ann.ReceiveTextAsync());

        await ann.SendTextAsync("hello from server one");
        Assert.Equal("ann: hello from server one", await ann.ReceiveTextAsync());
        Assert.Equal("ann: hello from server one", await ben.ReceiveTextAsync());

        using var annOnTwo = await JoinAsync(two, "ann", "elsewhere"); // ann's second tab, on the other server
        Assert.Equal("* welcome to elsewhere, ann (1 here)", await annOnTwo.ReceiveTextAsync());
        Assert.Equal("* ann joined", await annOnTwo.ReceiveTextAsync());
        await ben.SendTextAsync("/msg ann psst");
        Assert.Equal("ben → ann: psst", await ann.ReceiveTextAsync());
        Assert.Equal("ben → ann: psst", await annOnTwo.ReceiveTextAsync());
        Assert.Equal("ben → ann: psst", await ben.ReceiveTextAsync());

        Assert.Equal("* in lobby: ann, ben", await ben.CommandAsync("/who"));
        Assert.Equal("* in lobby: ann, ben", await ann.CommandAsync("/who"));
    }

    [Fact]
    public async Task APrivateMessageToSomeoneOnlyOnTheOtherServerArrivesAndIsNotCalledNotHere()
    {
        await using var one = await StartChatAsync("one");
        await using var two = await StartChatAsync("two");
        using var ann = await JoinAsync(one, "ann", "lobby");
        await ann.ReceiveTextAsync();
        await ann.ReceiveTextAsync();
        using var ben = await JoinAsync(two, "ben", "lobby");
        await ben.ReceiveTextAsync();
        await ben.ReceiveTextAsync();
        Assert.Equal("* ben joined", await ann.ReceiveTextAsync());

        await ben.SendTextAsync("/msg ann only on one");
        Assert.Equal("ben → ann: only on one", await ann.ReceiveTextAsync());
        Assert.Equal("ben → ann: only on one", await ben.ReceiveTextAsync()); // ben's copy, not "* ann is not here"
        Assert.Equal("* nobody is not here", await ben.CommandAsync("/msg nobody hello?"));
    }

    [Fact]
    public async Task KillingAServerProcessRemovesItsUsersFromWhoOnTheOther()
    {
        await using var one = await StartChatAsync("one");
        using var process = StartChatProcess("two", out var twoAddress);
        try
        {
            using var ann = await JoinAsync(one, "ann", "lobby");
            await ann.ReceiveTextAsync();
            await ann.ReceiveTextAsync();
            using var ben = await JoinAsync(twoAddress, "ben", "lobby");
            Assert.Equal("* ben joined", await ann.ReceiveTextAsync());

            await Eventually.WaitUntilAsync(async () => await ann.CommandAsync("/who") == "* in lobby: ann, ben", "ben on the other server");
            process.Kill(); // SIGKILL: no goodbye
            await Eventually.WaitUntilAsync(async () => await ann.CommandAsync("/who") == "* in lobby: ann", "ben to expire (2 s here, 15 s by default)");
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    private async Task<ChatServer> StartChatAsync(string node)
    {
        var app = ChatApp.Create(["--urls", "http://127.0.0.1:0", $"--ConnectionStrings:Redis={_redis.Configuration}", $"--Chat:SigningKey={SigningKey}", $"--Chat:NodeId={node}"],
            builder => builder.Logging.ClearProviders());
        await app.StartAsync();
        return new ChatServer(app, new Uri(app.Urls.First()));
    }

    private Process StartChatProcess(string node, out Uri address)
    {
        var port = RedisServer.FreePort();
        address = new Uri($"http://127.0.0.1:{port}");
        var chat = Path.Combine(AppContext.BaseDirectory, "Chat.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { chat, "--urls", address.ToString(), $"--ConnectionStrings:Redis={_redis.Configuration}", $"--Chat:SigningKey={SigningKey}",
                $"--Chat:NodeId={node}", "--Chat:HeartbeatSeconds=0.5", "--Chat:NodeExpirySeconds=2", "--contentRoot", AppContext.BaseDirectory },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var tcp = new TcpClient();
                tcp.Connect(IPAddress.Loopback, port);
                return process;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                Thread.Sleep(100);
            }
        }
    }

    private static async Task<ClientWebSocket> JoinAsync(ChatServer server, string name, string room) => await JoinAsync(server.Address, name, room);

    private static async Task<ClientWebSocket> JoinAsync(Uri address, string name, string room)
    {
        using var http = new HttpClient { BaseAddress = address };
        var token = await http.GetStringAsync($"/token?name={name}");
        return await Client.ConnectAsync(new Uri($"ws://{address.Authority}/chat/{room}?access_token={Uri.EscapeDataString(token)}"));
    }

    private sealed class ChatServer(WebApplication app, Uri address) : IAsyncDisposable
    {
        public Uri Address { get; } = address;

        public async ValueTask DisposeAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await app.StopAsync(timeout.Token);
            await app.DisposeAsync();
        }
    }
}
