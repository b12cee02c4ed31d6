// One instance is created per connection: the class must be concrete, non-static, non-generic, with a visible constructor.
// expect WS0011 at `AbstractEndpoint`: 'AbstractEndpoint' is abstract, but one instance is created per connection; make it a concrete class (put shared code in a base class without the attribute)
// expect WS0012 at `StaticEndpoint`: 'StaticEndpoint' is static, but one instance is created per connection; remove 'static'
// expect WS0013 at `GenericEndpoint`: 'GenericEndpoint' is generic (or nested in a generic type), so the generator cannot know its type arguments; make it a non-generic class
// expect WS0014 at `HiddenConstructorEndpoint`: 'HiddenConstructorEndpoint' has no public or internal constructor; add one (its parameters are resolved from dependency injection)
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
