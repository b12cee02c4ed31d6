// One instance is created per connection: the class must be concrete, non-static, non-generic, with a visible constructor.
// expect WS0011 at `abstract`: 'AbstractEndpoint' is abstract, but one instance is created per connection; remove 'abstract' (shared code can live in a base class without the attribute)
// expect WS0012 at `static`: 'StaticEndpoint' is static, but one instance is created per connection; remove 'static' (and from its callbacks)
// expect WS0013 at `<T>`: 'GenericEndpoint' is generic, so the generated code cannot know the type arguments; remove its type parameters, or derive a non-generic class from it and put [WebSocketEndpoint] there
// expect WS0014 at `private`: 'HiddenConstructorEndpoint' has no public or internal constructor, so the generated code cannot create it; make this constructor public
// generates: none
using Endpoints;

[WebSocketEndpoint("/a")]
public abstract class AbstractEndpoint { public void OnText(string text) { } }

[WebSocketEndpoint("/s")]
public static class StaticEndpoint { public static void OnText(string text) { } }

[WebSocketEndpoint("/g")]
public sealed class GenericEndpoint<T> { public void OnText(string text) { } }

[WebSocketEndpoint("/c")]
public sealed class HiddenConstructorEndpoint { private HiddenConstructorEndpoint() { } public void OnText(string text) { } }
