namespace System.Runtime.CompilerServices;

// netstandard2.0 lacks this marker type, which records with init-only properties need.
internal static class IsExternalInit
{
}
