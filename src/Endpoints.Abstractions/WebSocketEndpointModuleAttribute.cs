using System.ComponentModel;

namespace Endpoints;

/// <summary>
/// Written by the Endpoints generator into every assembly that has WebSocket endpoints, naming the
/// generated class that maps them, so that an app's <c>MapWebSocketEndpoints()</c> also maps the
/// endpoints of the projects it references. Not meant for hand-written code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class WebSocketEndpointModuleAttribute : Attribute
{
    /// <summary>Names the generated module class.</summary>
    public WebSocketEndpointModuleAttribute(Type moduleType) => ModuleType = moduleType;

    /// <summary>The generated module class.</summary>
    public Type ModuleType { get; }
}
