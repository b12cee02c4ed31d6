using System;
using System.Collections.Generic;
using System.Threading;
using Endpoints.Generator.Common;
using Endpoints.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Endpoints.Generator.Parsing;

/// <summary>
/// Reads what the module file needs from the compilation: the assembly's name and the endpoint modules of referenced
/// projects. Runs on every compilation (every keystroke in the IDE), so it looks only at assemblies that reference
/// Endpoints.Abstractions and compares symbols, never display strings.
/// </summary>
internal static class ModuleReader
{
    public static ModuleSpec Read(Compilation compilation, CancellationToken cancellationToken)
    {
        var referenced = new List<string>();
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!ReferencesAbstractions(assembly)) continue;
            foreach (var attribute in assembly.GetAttributes())
            {
                if (!IsModuleAttribute(attribute.AttributeClass)) continue;
                if (attribute.ConstructorArguments.Length == 1
                    && attribute.ConstructorArguments[0].Value is INamedTypeSymbol { DeclaredAccessibility: Accessibility.Public } moduleType)
                {
                    referenced.Add(Symbols.FullName(moduleType));
                }
            }
        }
        referenced.Sort(StringComparer.Ordinal);
        return new ModuleSpec(CSharpText.Identifier(compilation.AssemblyName ?? "Assembly"), referenced.ToEquatableArray());
    }

    // Only an assembly built against Endpoints.Abstractions can carry the module attribute.
    private static bool ReferencesAbstractions(IAssemblySymbol assembly)
    {
        foreach (var module in assembly.Modules)
        {
            foreach (var identity in module.ReferencedAssemblies)
            {
                if (identity.Name == KnownTypes.AbstractionsAssembly) return true;
            }
        }
        return false;
    }

    private static bool IsModuleAttribute(INamedTypeSymbol? attributeClass)
        => attributeClass is { Name: KnownTypes.ModuleAttributeName, ContainingNamespace: { Name: "Endpoints", ContainingNamespace.IsGlobalNamespace: true } }
           && attributeClass.ContainingAssembly?.Name == KnownTypes.AbstractionsAssembly;
}
