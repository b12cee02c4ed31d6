// The message taken as a type the callback does not receive it as.
// expect WS0033 at `byte[]`: Parameter 'data' of OnBinary has type 'byte[]', but OnBinary receives the message as ReadOnlyMemory<byte> (or Stream, to read it while it arrives); change the parameter's type to ReadOnlyMemory<byte>
// expect WS0033 at `InvalidOperationException`: Parameter 'error' of OnError has type 'InvalidOperationException', but OnError receives the exception as Exception; change the parameter's type to Exception (and test 'error is InvalidOperationException' inside)
// expect WS0033 at `byte[]`#2: Parameter 'utf8' of OnText has type 'byte[]', but OnText receives the message as string (or ReadOnlyMemory<byte>, its UTF-8 bytes; or TextReader, to read it while it arrives); change the parameter's type to ReadOnlyMemory<byte>
// generates: none
using System;
using Endpoints;

[WebSocketEndpoint("/w")]
public sealed class WrongEndpoint
{
    public void OnBinary(byte[] data) { }
    public void OnError(InvalidOperationException error) { }
}

[WebSocketEndpoint("/t")]
public sealed class WrongTextEndpoint
{
    public void OnText(byte[] utf8) { }
}
