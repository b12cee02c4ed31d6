// Partial classes (callbacks in several parts), deep namespaces, the global namespace, nested public classes.
// generates: GlobalEndpoint, A.B.C.D.DeepEndpoint, A.B.C.D.Holder.NestedEndpoint
using Endpoints;

[WebSocketEndpoint("/global")]
public sealed class GlobalEndpoint { public void OnText(string text) { } }

namespace A.B.C.D
{
    [WebSocketEndpoint("/deep/{id:int}")]
    public sealed partial class DeepEndpoint
    {
        public int OnOpen(int id) => id;
    }

    public sealed partial class DeepEndpoint
    {
        public void OnText(int id, string text) { }
        public void OnClose(int id, WebSocketCloseInfo close) { }
    }

    public static class Holder
    {
        [WebSocketEndpoint("/nested")]
        internal sealed class NestedEndpoint { public static void OnText(string text) { } }
    }
}
