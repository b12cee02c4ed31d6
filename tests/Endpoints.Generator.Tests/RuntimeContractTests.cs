using System.Reflection;
using Endpoints.Generator.Emitting;
using Endpoints.Runtime.Generated;

namespace Endpoints.Generator.Tests;

/// <summary>The names the emitter writes resolve to the runtime's contract types and members: a rename on either side fails here.</summary>
public sealed class RuntimeContractTests
{
    private static IEnumerable<(string Name, string Value)> Constants() => typeof(RuntimeContract)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral && field.Name != nameof(RuntimeContract.Namespace))
        .Select(field => (field.Name, (string)field.GetRawConstantValue()!));

    [Fact]
    public void EveryTypeNameResolvesToAPublicTypeInTheContractFolder()
    {
        var types = Constants().Where(c => c.Value.StartsWith("global::", StringComparison.Ordinal)).ToList();
        Assert.Contains(types, t => t.Name == nameof(RuntimeContract.Handler));
        foreach (var (name, value) in types)
        {
            var fullName = value["global::".Length..];
            var type = typeof(WebSocketEndpointHandler).Assembly.GetType(fullName) ?? typeof(WebSocketEndpointAttribute).Assembly.GetType(fullName);
            Assert.True(type is { IsPublic: true }, $"RuntimeContract.{name} names {fullName}, which is not a public type of Endpoints.Runtime or Endpoints.Abstractions.");
            // What the generated Map methods return is the user's to hold, so it sits beside ASP.NET Core's builders.
            var home = name == nameof(RuntimeContract.ConventionBuilder) ? "Microsoft.AspNetCore.Builder" : "Endpoints.Runtime.Generated";
            if (type.Assembly == typeof(WebSocketEndpointHandler).Assembly) Assert.Equal(home, type.Namespace);
        }
    }

    [Fact]
    public void EveryMemberNameIsAMemberOfAContractType()
    {
        Type[] contract = [typeof(WebSocketEndpointHandler), typeof(WebSocketEndpointRouting), typeof(WebSocketEndpointUpgrade), typeof(WebSocketJson), typeof(WebSocketMessageCodec)];
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance;
        foreach (var (name, value) in Constants().Where(c => !c.Value.StartsWith("global::", StringComparison.Ordinal)))
        {
            var members = contract.SelectMany(type => type.GetMember(value, all))
                .Where(member => member is MethodInfo { IsPublic: true } or MethodInfo { IsFamily: true } or MethodInfo { IsFamilyOrAssembly: true } or PropertyInfo)
                .ToList();
            Assert.True(members.Count > 0, $"RuntimeContract.{name} is '{value}', which no contract type has for generated code to use.");
        }
    }
}
