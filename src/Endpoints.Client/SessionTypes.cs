namespace Endpoints.Client;

/// <summary>The last position the client received of one of the server's streams (docs/protocol.md, "Streams and positions").</summary>
/// <param name="Epoch">One life of the stream's history.</param>
/// <param name="Offset">Grows with every message of the stream within an epoch (not by one).</param>
public readonly record struct StreamPosition(string Epoch, long Offset);

/// <summary>The server could not replay all that a stream sent while the client was away (a <c>gap</c>).</summary>
/// <param name="Stream">The stream: <c>a</c> (all), <c>g:&lt;group&gt;</c>, <c>u:&lt;user&gt;</c> or <c>s:&lt;session&gt;</c>.</param>
/// <param name="Epoch">The epoch the client presented.</param>
/// <param name="Offset">The offset the client presented: what came after it was not all replayed.</param>
/// <param name="Count">How many messages were lost; null when the server does not know (the history was lost with a server).</param>
public sealed record StreamGap(string Stream, string Epoch, long Offset, long? Count);

/// <summary>Why sent messages are reported as <see cref="UnconfirmedMessages"/>.</summary>
public enum UnconfirmedReason
{
    /// <summary>
    /// The server started a new session (the old one expired, or the endpoint is no longer resumable): whether it
    /// handled <see cref="UnconfirmedMessages.Messages"/> is unknown. They are not sent again.
    /// </summary>
    SessionLost,

    /// <summary>
    /// The full resend buffer (<see cref="EndpointsClientOptions.QueueCapacity"/>) had let these go, and the server
    /// had not handled them: they are lost. Their payloads are gone too.
    /// </summary>
    Overflow,
}

/// <summary>Sent messages of a resumable session that the server did not confirm and the client does not send again.</summary>
/// <param name="Reason">Why.</param>
/// <param name="Count">How many; null when more were let go than the client remembers the numbers of.</param>
/// <param name="Messages">Their payloads, oldest first (<see cref="UnconfirmedReason.SessionLost"/>; empty for an overflow).</param>
public sealed record UnconfirmedMessages(UnconfirmedReason Reason, int? Count, IReadOnlyList<ClientMessage> Messages);
