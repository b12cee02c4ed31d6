// Route templates ASP.NET Core accepts: catch-alls, constraints with arguments, complex segments, defaults, '~/'.
// generates: Shapes.FilesEndpoint, Shapes.ItemEndpoint, Shapes.FileNameEndpoint, Shapes.PageEndpoint, Shapes.TildeEndpoint, Shapes.RawEndpoint
using Endpoints;

namespace Shapes;

[WebSocketEndpoint("/files/{*path}")]
public sealed class FilesEndpoint { public void OnOpen(string path) { } }

[WebSocketEndpoint("/items/{id:int:min(1)}/{name?}")]
public sealed class ItemEndpoint { public void OnOpen(int id, string? name) { } }

[WebSocketEndpoint("/download/{file}.{ext?}")]
public sealed class FileNameEndpoint { public void OnOpen(string file, string? ext) { } }

[WebSocketEndpoint("/feed/{page=1}")]
public sealed class PageEndpoint { public void OnOpen(int page) { } }

[WebSocketEndpoint("~/tilde")]
public sealed class TildeEndpoint { public void OnText(string text) { } }

[WebSocketEndpoint("/raw/{**rest}")]
public sealed class RawEndpoint { public void OnOpen(string rest) { } }
