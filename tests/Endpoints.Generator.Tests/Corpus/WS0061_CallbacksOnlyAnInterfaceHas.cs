// A default interface method and an explicit interface implementation are not members the generated code can call on the class.
// Where they are all the class has, this is the one error (not also WS0001, "no callbacks").
// expect WS0061 at `OnClose`: OnClose is a default method of 'IClosing', which the generated code cannot call on 'AuditEndpoint' (it calls the class's own public methods); declare 'public void OnClose(WebSocketCloseInfo close)' in 'AuditEndpoint' (it also implements 'IClosing.OnClose')
// expect WS0061 at `OnText`#2: OnText is an explicit implementation of 'ITextHandler.OnText', which the generated code cannot call on 'AuditEndpoint' (it calls the class's own public methods); declare 'public void OnText(string text)' in 'AuditEndpoint' (it also implements 'ITextHandler.OnText')
// expect WS0061 at `OnText`#3: OnText is a default method of 'IGreeter<string>', which the generated code cannot call on 'GreeterEndpoint' (it calls the class's own public methods); declare 'public void OnText(string text)' in 'GreeterEndpoint' (it also implements 'IGreeter<string>.OnText')
// generates: none
using Endpoints;

public interface IClosing
{
    void OnClose(WebSocketCloseInfo close) { }
}

public interface ITextHandler
{
    void OnText(string text);
}

[WebSocketEndpoint("/audit")]
public sealed class AuditEndpoint : IClosing, ITextHandler
{
    void ITextHandler.OnText(string text) { }
    public void OnBinary(System.ReadOnlyMemory<byte> data) { }
}

public interface IGreeter<T>
{
    void OnText(T text) { }
}

[WebSocketEndpoint("/greeter")]
public sealed class GreeterEndpoint : IGreeter<string>;
