using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Endpoints.Runtime.Protocol;

namespace Endpoints.Runtime.Connections;

/// <summary>
/// The requests this server sent one connection that wait for their answers (<c>endpoints.v1</c>). Every one ends
/// exactly once: answered, rejected, timed out, cancelled, or failed when the connection ends.
/// </summary>
internal sealed class PendingRequests
{
    private readonly Dictionary<long, PendingRequest> _waiting = new();
    private long _lastId;
    private bool _ended;

    /// <summary>Numbers and keeps a request; 0 once the connection has ended (nothing would answer it).</summary>
    public long Add(PendingRequest request)
    {
        lock (_waiting)
        {
            if (_ended) return 0;
            var id = ++_lastId;
            _waiting.Add(id, request);
            return id;
        }
    }

    public void Remove(long id)
    {
        lock (_waiting) _waiting.Remove(id);
    }

    /// <summary>An answer arrived: the request it answers completes with it. An answer nobody waits for (too late) is dropped.</summary>
    public void Answer(in EnvelopeHeader header, ReadOnlySpan<byte> payload)
    {
        PendingRequest? request;
        lock (_waiting)
        {
            if (!_waiting.Remove(header.Answers, out request)) return;
        }
        if (header.Error is { } error) request.Fail(new WebSocketRequestException(error));
        else request.Complete(payload);
    }

    /// <summary>The connection ended: every waiting request fails, and none can be added.</summary>
    public void End()
    {
        PendingRequest[] waiting;
        lock (_waiting)
        {
            if (_ended) return;
            _ended = true;
            waiting = [.. _waiting.Values];
            _waiting.Clear();
        }
        foreach (var request in waiting) request.Fail(Ended());
    }

    public static WebSocketRequestException Ended(Exception? inner = null)
        => new("The connection ended before the reply arrived.", inner) { ConnectionEnded = true };
}

/// <summary>One request waiting for its answer.</summary>
internal abstract class PendingRequest
{
    /// <summary>Completes with the reply, decoded now: <paramref name="payload"/> is only valid during the call.</summary>
    public abstract void Complete(ReadOnlySpan<byte> payload);

    public abstract void Fail(Exception exception);

    public abstract void Cancel(CancellationToken cancellationToken);
}

internal sealed class PendingRequest<TReply>(JsonTypeInfo<TReply> replyType) : PendingRequest
{
    private readonly TaskCompletionSource<TReply> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<TReply> Reply => _reply.Task;

    public override void Complete(ReadOnlySpan<byte> payload)
    {
        TReply reply;
        try
        {
            reply = JsonSerializer.Deserialize(payload, replyType)!;
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            _reply.TrySetException(new WebSocketRequestException($"The client's reply is not a {typeof(TReply).Name}: {exception.Message}", exception));
            return;
        }
        _reply.TrySetResult(reply);
    }

    public override void Fail(Exception exception) => _reply.TrySetException(exception);

    public override void Cancel(CancellationToken cancellationToken) => _reply.TrySetCanceled(cancellationToken);
}
