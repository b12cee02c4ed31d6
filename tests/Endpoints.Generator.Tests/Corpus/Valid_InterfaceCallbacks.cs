// Callbacks that implement an interface's members (abstract or default): the class's own public methods are the callbacks.
// generates: Contracts.ChatEndpoint, Contracts.DerivedChatEndpoint
using System;
using Endpoints;

namespace Contracts;

public interface ITextHandler
{
    void OnText(string text);
}

public interface IErrorReporter
{
    void OnError(Exception error) => Console.Error.WriteLine(error);
}

[WebSocketEndpoint("/chat")]
public sealed class ChatEndpoint : ITextHandler, IErrorReporter
{
    public void OnText(string text) { }

    // Declared in the class, it implements IErrorReporter.OnError in place of the default.
    public void OnError(Exception error) { }
}

public class ChatBase
{
    public void OnError(Exception error) { }
}

// The base class's OnError implements IErrorReporter.OnError for it.
[WebSocketEndpoint("/derived-chat")]
public sealed class DerivedChatEndpoint : ChatBase, IErrorReporter
{
    public void OnText(string text) { }
}
