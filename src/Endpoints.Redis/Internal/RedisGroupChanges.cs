using System.Collections.Concurrent;
using Endpoints.Scaleout;

namespace Endpoints.Redis;

/// <summary>
/// Group changes for a connection another server holds, acknowledged: the request goes to that server's channel, which
/// applies it and answers on the asker's channel; the asker waits for the answer up to
/// <see cref="RedisBackplaneOptions.GroupChangeTimeout"/>.
/// </summary>
internal sealed class RedisGroupChanges(RedisOutbox outbox, RedisNames names, RedisBackplaneOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<bool>> _pending = new();

    /// <summary>Asks <paramref name="node"/> to change the group of its connection; true if it did.</summary>
    /// <exception cref="TimeoutException">The node did not answer in time.</exception>
    public async ValueTask<bool> AskAsync(string node, string endpoint, string connectionId, string group, bool join, CancellationToken cancellationToken)
    {
        var requestId = Guid.NewGuid().ToString("N");
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[requestId] = answer;
        try
        {
            outbox.Send(names.NodeChannel(node), RedisWire.EncodeGroupChange(requestId, options.NodeId, endpoint, connectionId, group, join));
            return await answer.Task.WaitAsync(options.GroupChangeTimeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The server '{node}' that holds connection '{connectionId}' did not answer the group change within {options.GroupChangeTimeout.TotalSeconds:0.#} s.");
        }
        finally
        {
            _pending.TryRemove(requestId, out _);
        }
    }

    /// <summary>Applies a request from another server to this server's connection, and answers it.</summary>
    public void Answer(IWebSocketBackplaneHost host, ReadOnlyMemory<byte> request)
    {
        var change = RedisWire.DecodeGroupChange(request);
        var changed = host.ChangeGroup(change.Endpoint, change.ConnectionId, change.Group, change.Join);
        outbox.Send(names.NodeChannel(change.ReplyTo), RedisWire.EncodeAnswer(change.RequestId, changed));
    }

    /// <summary>An answer to one of this server's requests: releases its asker (if it still waits).</summary>
    public void Complete(ReadOnlyMemory<byte> answer)
    {
        var (requestId, result) = RedisWire.DecodeAnswer(answer);
        if (_pending.TryGetValue(requestId, out var pending)) pending.TrySetResult(result);
    }
}
