using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Endpoints.EndToEnd.Tests.Infrastructure;

namespace Endpoints.EndToEnd.Tests;

/// <summary>wss: the same endpoints over TLS, with a self-signed certificate made for the test.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task EndpointsWorkOverWss()
    {
        using var certificate = CreateSelfSignedCertificate();
        await using var server = await TestServer.StartAsync(certificate: certificate);
        Assert.Equal("wss", server.WebSocketUri("/echo").Scheme);

        using var socket = new ClientWebSocket();
        var presented = "";
        socket.Options.RemoteCertificateValidationCallback = (_, cert, _, _) =>
        {
            presented = cert?.GetCertHashString() ?? "";
            return presented == certificate.GetCertHashString();
        };
        await socket.ConnectAsync(server.WebSocketUri("/echo"), CancellationToken.None);
        Assert.Equal(certificate.GetCertHashString(), presented);

        await socket.SendTextAsync("over tls");
        Assert.Equal("over tls", await socket.ReceiveTextAsync());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // Round-trip through PFX so the private key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
