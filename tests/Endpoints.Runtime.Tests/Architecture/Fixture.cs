using Endpoints.Runtime.Connections;
// Two rooms with deliberately wrong references, so the architecture test is shown to catch each kind.
#pragma warning disable CA1812, CS0169, IDE0051
namespace Endpoints.Runtime.Tests.Architecture.Fixture
{
    public static class Names
    {
        public const string Prefix = "Endpoints.Runtime.Tests.Architecture.Fixture.";

        public static Rooms Rooms { get; } = new(
            new Dictionary<string, string> { [Prefix + "High"] = "High", [Prefix + "Low"] = "Low" },
            new Dictionary<string, string[]> { ["High"] = ["Low"], ["Low"] = [] });
    }
}

namespace Endpoints.Runtime.Tests.Architecture.Fixture.High
{
    public sealed class Upper
    {
        public static int Count;

        public Low.UsesOnlyItsOwnRoom Allowed { get; } = new();
    }
}

namespace Endpoints.Runtime.Tests.Architecture.Fixture.Low
{
    public sealed class UsesOnlyItsOwnRoom
    {
        public override string ToString() => new UsesOnlyItsOwnRoomToo().ToString()!;
    }

    public sealed class UsesOnlyItsOwnRoomToo;

    public sealed class UsesHighInAField
    {
        private High.Upper? _upper;
    }

    public static class UsesHighInASignature
    {
        public static void Take(High.Upper upper) => GC.KeepAlive(upper);
    }

    public static class UsesHighInABody
    {
        public static object Make() => new High.Upper();
    }

    public static class UsesHighThroughAStaticMember
    {
        public static int Read() => High.Upper.Count;
    }

    public static class UsesHighInAGenericArgument
    {
        public static int Count() => new List<object>().OfType<High.Upper>().Count();
    }

    public static class UsesHighInAClosure
    {
        public static Func<object> Later(int n) => () => n > 0 ? new High.Upper() : new object();
    }

    public static class UsesHighInAnAsyncMethod
    {
        public static async Task<string> LaterAsync()
        {
            await Task.Yield();
            return new High.Upper().ToString()!;
        }
    }
}
