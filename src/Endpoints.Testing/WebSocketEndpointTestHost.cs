using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.WebSockets;
using System.Reflection;
using Endpoints.Client;
using Endpoints.Testing.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Endpoints.Testing;

/// <summary>
/// Runs WebSocket endpoints on a real Kestrel server at a free port of 127.0.0.1 for a test, with a fake clock
/// (<see cref="Time"/>) and a test sign-in (<c>ConnectAsync(path, user: "ann")</c>); stops the server when disposed.
/// </summary>
/// <remarks>
/// <para>Three ways to start it:</para>
/// <list type="bullet">
/// <item><see cref="StartAsync{TEndpoint}"/>: one endpoint class and the services it needs. The generator writes
/// <c>MapWebSocketEndpoint&lt;T&gt;()</c> <c>internal</c> into each project, so this assembly cannot call it; it finds the
/// endpoint's assembly's generated module (named by its <see cref="WebSocketEndpointModuleAttribute"/>) and calls the
/// module's public <c>TryMap&lt;TEndpoint&gt;</c> through reflection. Tests do not run under Native AOT, so that costs
/// nothing; where reflection is unwelcome, the next overload does the same without it.</item>
/// <item><see cref="StartAsync(Action{WebApplication}, Action{IServiceCollection}?, WebSocketEndpointTestHostOptions?, CancellationToken)"/>:
/// the test maps what it wants, with the generated methods of its own project:
/// <c>StartAsync(app =&gt; app.MapWebSocketEndpoint&lt;EchoEndpoint&gt;(), services =&gt; …)</c>.</item>
/// <item><see cref="StartAsync(Func{string[], WebApplication}, WebSocketEndpointTestHostOptions?, CancellationToken)"/>:
/// the app as it really is, from the function its Program.cs builds it with (e.g. <c>args =&gt; AppHost.Create(args)</c>).
/// It is given <c>--urls http://127.0.0.1:0</c>, and while it builds, the host adds its clock and its sign-in to the
/// app's services (the hook ASP.NET Core's WebApplicationFactory uses), so the function must build the app when called.</item>
/// </list>
/// <para>
/// <b>Signing in.</b> <c>user:</c> sends the <see cref="UserHeader"/> header; the host's authentication scheme (the
/// default) turns it into a user with that NameIdentifier and Name, so <c>connection.UserId</c> is that name and
/// <c>[Authorize]</c> endpoints accept the connection. Without <c>user:</c> the request goes to the app's own default
/// scheme when it has one (a JWT bearer, say: pass its token as the app expects it, through the path's query or
/// <c>configure</c>'s headers), else it is anonymous. The header is only read by this test host, never by the app itself.
/// </para>
/// <para>
/// <b>Time.</b> The app's <see cref="TimeProvider"/> is a <see cref="FakeTimeProvider"/> (<see cref="Time"/>) starting
/// at the real current time: keep-alive, idle and close timeouts, and whatever else of the app reads that clock, move
/// only when the test advances it. <see cref="WebSocketEndpointTestHostOptions.UseRealTime"/> keeps the real clock.
/// </para>
/// </remarks>
public sealed class WebSocketEndpointTestHost : IAsyncDisposable
{
    /// <summary>The request header the host's test sign-in reads: the user's name.</summary>
    public const string UserHeader = "X-Endpoints-Test-User";

    private const string LoopbackUrl = "http://127.0.0.1:0";

    private readonly WebApplication _app;
    private readonly FakeTimeProvider? _time;
    private readonly List<WebSocketTestClient> _clients = [];
    private readonly List<EndpointsClient> _endpointsClients = [];
    private int _disposed;

    private WebSocketEndpointTestHost(WebApplication app, FakeTimeProvider? time, Uri address, TimeSpan defaultTimeout)
    {
        _app = app;
        _time = time;
        Address = address;
        DefaultTimeout = defaultTimeout;
    }

    /// <summary>The server's address, e.g. <c>http://127.0.0.1:41237/</c>.</summary>
    public Uri Address { get; }

    /// <summary>The app's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The app's clock: advance it to make timeouts and timers fire. Throws when the host runs on the real clock.</summary>
    public FakeTimeProvider Time => _time ?? throw new InvalidOperationException("This host runs on the real clock (WebSocketEndpointTestHostOptions.UseRealTime).");

    /// <summary>How long connects, receives and closes of this host's clients wait unless a call says otherwise.</summary>
    public TimeSpan DefaultTimeout { get; }

    /// <summary>
    /// Starts a server with <typeparamref name="TEndpoint"/> mapped (found through its assembly's generated module), the
    /// services <paramref name="services"/> registers, <c>AddWebSocketEndpoints()</c>, the test sign-in and the fake clock.
    /// </summary>
    /// <typeparam name="TEndpoint">A <c>[WebSocketEndpoint]</c> class.</typeparam>
    /// <param name="services">The registrations the endpoint needs, as the app makes them; <c>AddWebSocketEndpoints(o =&gt; …)</c> sets options.</param>
    /// <param name="options">How the host runs; null for the defaults.</param>
    /// <param name="cancellationToken">Stops waiting for the server to start.</param>
    [RequiresUnreferencedCode("Finds the endpoint's generated module by its assembly attribute and calls its TryMap<TEndpoint> through reflection.")]
    [RequiresDynamicCode("Calls the generated module's TryMap<TEndpoint> through MakeGenericMethod.")]
    public static Task<WebSocketEndpointTestHost> StartAsync<TEndpoint>(
        Action<IServiceCollection>? services = null, WebSocketEndpointTestHostOptions? options = null, CancellationToken cancellationToken = default)
        where TEndpoint : class
        => StartAsync(app => MapThroughModule<TEndpoint>(app), services, options, cancellationToken);

    /// <summary>
    /// Starts a server with what <paramref name="map"/> maps (e.g. <c>app =&gt; app.MapWebSocketEndpoint&lt;EchoEndpoint&gt;()</c>,
    /// generated into the test's own project), the services <paramref name="services"/> registers,
    /// <c>AddWebSocketEndpoints()</c>, the test sign-in and the fake clock.
    /// </summary>
    /// <param name="map">Maps the endpoints (and adds any middleware) on the built app.</param>
    /// <param name="services">The registrations the endpoints need; <c>AddWebSocketEndpoints(o =&gt; …)</c> sets options.</param>
    /// <param name="options">How the host runs; null for the defaults.</param>
    /// <param name="cancellationToken">Stops waiting for the server to start.</param>
    public static async Task<WebSocketEndpointTestHost> StartAsync(
        Action<WebApplication> map, Action<IServiceCollection>? services = null, WebSocketEndpointTestHostOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        options ??= new WebSocketEndpointTestHostOptions();
        options.Validate();
        var time = CreateClock(options);

        // The slim builder without the test directory's appsettings.json or the environment's ASPNETCORE_URLS: only what
        // the test registers decides how the app behaves.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.AddWebSocketEndpoints();
        services?.Invoke(builder.Services);
        AddTestServices(builder.Services, time);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        try
        {
            map(app);
            return await StartAppAsync(app, time, options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts the app <paramref name="createApp"/> builds (the function its Program.cs uses, given
    /// <c>--urls http://127.0.0.1:0</c>) with the host's fake clock and test sign-in added to its services.
    /// </summary>
    /// <param name="createApp">Builds the app from command-line arguments, e.g. <c>args =&gt; AppHost.Create(args)</c>. It must
    /// call <c>Build()</c> on a <c>WebApplicationBuilder</c> (or <c>HostApplicationBuilder</c>) while it runs.</param>
    /// <param name="options">How the host runs; null for the defaults.</param>
    /// <param name="cancellationToken">Stops waiting for the app to start.</param>
    public static async Task<WebSocketEndpointTestHost> StartAsync(
        Func<string[], WebApplication> createApp, WebSocketEndpointTestHostOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(createApp);
        options ??= new WebSocketEndpointTestHostOptions();
        options.Validate();
        var time = CreateClock(options);

        var app = HostBuildHook.Run(() => createApp(["--urls", LoopbackUrl]), host => host
            // Last, so it wins over the app's own defaults (a fixed port when no --urls was given, for instance).
            .ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection([new("urls", LoopbackUrl)]))
            .ConfigureServices((_, services) => AddTestServices(services, time)), out var applied);
        if (!applied)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                "The function given to WebSocketEndpointTestHost.StartAsync returned an app it did not build while it ran, so the host could not add its clock " +
                "and sign-in to it. Build the app inside the function (WebApplication.CreateBuilder(args) … Build()).");
        }
        try
        {
            return await StartAppAsync(app, time, options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens a WebSocket to <paramref name="pathAndQuery"/> (e.g. <c>"/chat/lobby"</c>), signed in as <paramref name="user"/>
    /// when given (anonymous, or the app's own sign-in, otherwise).
    /// </summary>
    /// <param name="pathAndQuery">The path, with its query if any, relative to the server.</param>
    /// <param name="user">The user to sign in as, through the host's test scheme; null for none.</param>
    /// <param name="configure">Sets headers, subprotocols, compression or cookies of the upgrade request.</param>
    /// <param name="timeout">The longest the upgrade may take; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="cancellationToken">Stops connecting.</param>
    /// <exception cref="WebSocketUpgradeRefusedException">The server answered with an HTTP status (401, 403, 400, 404, …).</exception>
    /// <exception cref="TimeoutException">The upgrade did not complete in time.</exception>
    public async Task<WebSocketTestClient> ConnectAsync(
        string pathAndQuery, string? user = null, Action<ClientWebSocketOptions>? configure = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pathAndQuery);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!pathAndQuery.StartsWith('/')) pathAndQuery = "/" + pathAndQuery;
        var uri = new Uri($"ws://{Address.Authority}{pathAndQuery}");
        var name = user is null ? pathAndQuery : $"{pathAndQuery} as {user}";

        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        if (user is not null) socket.Options.SetRequestHeader(UserHeader, user);
        var limit = timeout ?? DefaultTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit != Timeout.InfiniteTimeSpan) deadline.CancelAfter(limit);
        try
        {
            await socket.ConnectAsync(uri, deadline.Token).ConfigureAwait(false);
        }
        catch (WebSocketException exception) when (socket.HttpStatusCode is not (0 or HttpStatusCode.SwitchingProtocols))
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new WebSocketUpgradeRefusedException(pathAndQuery, status, exception);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"Connecting to {name} did not complete within {limit}.", exception);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new WebSocketTestClient(socket, name, DefaultTimeout);
        lock (_clients) _clients.Add(client);
        return client;
    }

    /// <summary>
    /// An <see cref="EndpointsClient"/> (reconnecting, <c>endpoints.v1</c>) for <paramref name="pathAndQuery"/> on this
    /// server, signed in as <paramref name="user"/> when given; not started, so that a typed client can wrap it first
    /// (<c>new ChatClient(host.CreateClient(ChatClient.PathFor("lobby"), user: "ann"))</c>). The host closes it when disposed.
    /// </summary>
    /// <param name="pathAndQuery">The path, with its query if any, relative to the server (a typed client's <c>PathFor(…)</c>).</param>
    /// <param name="user">The user to sign in as, through the host's test scheme, on every (re)connect; null for none.</param>
    /// <param name="options">The client's options (its reconnect policy, type property, …); the host's clock is not put in them.</param>
    public EndpointsClient CreateClient(string pathAndQuery, string? user = null, EndpointsClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(pathAndQuery);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!pathAndQuery.StartsWith('/')) pathAndQuery = "/" + pathAndQuery;
        options ??= new EndpointsClientOptions();
        if (user is not null)
        {
            var configure = options.ConfigureSocket;
            options.ConfigureSocket = socket =>
            {
                configure?.Invoke(socket);
                socket.SetRequestHeader(UserHeader, user);
            };
        }
        var client = new EndpointsClient(new Uri($"ws://{Address.Authority}{pathAndQuery}"), options);
        lock (_clients) _endpointsClients.Add(client);
        return client;
    }

    /// <summary>Closes the clients still open, then stops the server (its connections get 1001) and releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        WebSocketTestClient[] clients;
        lock (_clients) clients = [.. _clients];
        foreach (var client in clients) await client.DisposeAsync().ConfigureAwait(false);
        EndpointsClient[] endpointsClients;
        lock (_clients) endpointsClients = [.. _endpointsClients];
        foreach (var client in endpointsClients) await client.DisposeAsync().ConfigureAwait(false);
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _app.StopAsync(stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static FakeTimeProvider? CreateClock(WebSocketEndpointTestHostOptions options)
        => options.UseRealTime ? null : new FakeTimeProvider(options.StartTime ?? DateTimeOffset.UtcNow);

    private static void AddTestServices(IServiceCollection services, FakeTimeProvider? time)
    {
        // The last registration is the one resolved: it replaces a TimeProvider the app registered itself.
        if (time is not null) services.AddSingleton<TimeProvider>(time);
        TestAuthentication.Add(services);
    }

    private static async Task<WebSocketEndpointTestHost> StartAppAsync(
        WebApplication app, FakeTimeProvider? time, WebSocketEndpointTestHostOptions options, CancellationToken cancellationToken)
    {
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException("The app started without an http:// address to connect to; addresses: " + string.Join(", ", addresses ?? []));
        return new WebSocketEndpointTestHost(app, time, new Uri(address.EndsWith('/') ? address : address + "/"), options.DefaultTimeout);
    }

    [RequiresUnreferencedCode("Reflection over the generated module.")]
    [RequiresDynamicCode("MakeGenericMethod.")]
    private static void MapThroughModule<TEndpoint>(IEndpointRouteBuilder routes) where TEndpoint : class
    {
        var endpoint = typeof(TEndpoint);
        var module = endpoint.Assembly.GetCustomAttribute<WebSocketEndpointModuleAttribute>()?.ModuleType
            ?? throw new InvalidOperationException(
                $"{endpoint.FullName}'s assembly has no generated WebSocket endpoint module: is it a [WebSocketEndpoint] class, in a project that references Endpoints?");
        var tryMap = module.GetMethod("TryMap", BindingFlags.Public | BindingFlags.Static, [typeof(IEndpointRouteBuilder)])
            ?? throw new InvalidOperationException($"{module.FullName} has no public static TryMap<TEndpoint>(IEndpointRouteBuilder): it was generated by another version of Endpoints.");
        object? mapped;
        try
        {
            mapped = tryMap.MakeGenericMethod(endpoint).Invoke(null, [routes]);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            // The startup check's own message (a missing service, say), not reflection's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception.InnerException).Throw();
            throw;
        }
        if (mapped is null)
        {
            throw new InvalidOperationException(
                $"{endpoint.FullName} is not a [WebSocketEndpoint] class the generator mapped (a class with a compile error gets no code).");
        }
    }
}
