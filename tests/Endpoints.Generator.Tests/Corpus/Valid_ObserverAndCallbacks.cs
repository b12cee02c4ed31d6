// An endpoint that also observes a feed: IObserver<T>'s OnError and OnNext, implemented explicitly, are the
// library's, not callbacks; the endpoint's own OnText and OnError are its callbacks.
// generates: Shapes.FeedEndpoint
using System;
using Endpoints;

namespace Shapes;

[WebSocketEndpoint("/feed")]
public sealed class FeedEndpoint : IObserver<string>
{
    public void OnText(string text) { }

    public void OnError(Exception error) { }

    void IObserver<string>.OnNext(string value) { }

    void IObserver<string>.OnError(Exception error) { }

    void IObserver<string>.OnCompleted() { }
}
