using System;
using System.Collections.Generic;

namespace Endpoints.Generator.Common;

internal static class EnumerableExtensions
{
    public static EquatableArray<T> ToEquatableArray<T>(this IEnumerable<T> items) where T : IEquatable<T> => new(items);
}
