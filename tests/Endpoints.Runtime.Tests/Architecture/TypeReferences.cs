using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Endpoints.Runtime.Tests.Architecture;

/// <summary>A reference from one type of an assembly to another type of the same assembly, and where it was seen.</summary>
public sealed record TypeReference(string From, string To, string Where);

/// <summary>
/// Reads which of an assembly's types use which others, from its metadata: base types, interfaces, generic constraints,
/// custom attributes, field types, method and property signatures, locals, and every type, field and method token in
/// the method bodies (IL). Nested types (closures, state machines) count as their outermost type.
/// </summary>
public static class TypeReferences
{
    private static readonly Dictionary<short, OperandType> s_operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value, code => code.OperandType);

    public static IReadOnlyList<TypeReference> Read(string assemblyPath)
    {
        using var file = File.OpenRead(assemblyPath);
        using var pe = new PEReader(file);
        var reader = pe.GetMetadataReader();
        var references = new HashSet<TypeReference>();
        var provider = new TypeCollector(reader);

        foreach (var handle in reader.TypeDefinitions)
        {
            var definition = reader.GetTypeDefinition(handle);
            var from = provider.OutermostName(handle);
            void Add(IEnumerable<string> targets, string where)
            {
                foreach (var to in targets)
                {
                    if (to != from) references.Add(new TypeReference(from, to, where));
                }
            }

            Add(provider.Of(definition.BaseType), "base type");
            foreach (var implementation in definition.GetInterfaceImplementations())
            {
                Add(provider.Of(reader.GetInterfaceImplementation(implementation).Interface), "interface");
            }
            foreach (var parameter in definition.GetGenericParameters())
            {
                foreach (var constraint in reader.GetGenericParameter(parameter).GetConstraints())
                {
                    Add(provider.Of(reader.GetGenericParameterConstraint(constraint).Type), "generic constraint");
                }
            }
            Add(AttributeTypes(reader, provider, definition.GetCustomAttributes()), "attribute");
            foreach (var fieldHandle in definition.GetFields())
            {
                var field = reader.GetFieldDefinition(fieldHandle);
                Add(field.DecodeSignature(provider, null), "field " + reader.GetString(field.Name));
            }
            foreach (var propertyHandle in definition.GetProperties())
            {
                var property = reader.GetPropertyDefinition(propertyHandle);
                var signature = property.DecodeSignature(provider, null);
                Add(signature.ReturnType.Concat(signature.ParameterTypes.SelectMany(static p => p)), "property " + reader.GetString(property.Name));
            }
            foreach (var methodHandle in definition.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                var where = "method " + reader.GetString(method.Name);
                var signature = method.DecodeSignature(provider, null);
                Add(signature.ReturnType.Concat(signature.ParameterTypes.SelectMany(static p => p)), where);
                Add(AttributeTypes(reader, provider, method.GetCustomAttributes()), where);
                if (method.RelativeVirtualAddress == 0) continue;
                var body = pe.GetMethodBody(method.RelativeVirtualAddress);
                if (!body.LocalSignature.IsNil)
                {
                    var locals = reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(provider, null);
                    Add(locals.SelectMany(static l => l), where + " (locals)");
                }
                try
                {
                    Add(BodyTokens(body.GetILReader()).SelectMany(provider.OfToken), where + " (body)");
                }
                catch (InvalidOperationException exception)
                {
                    throw new InvalidOperationException(from + "." + where + ": " + exception.Message, exception);
                }
            }
        }
        return references.ToList();
    }

    private static IEnumerable<string> AttributeTypes(MetadataReader reader, TypeCollector provider, CustomAttributeHandleCollection attributes)
        => attributes.SelectMany(handle => provider.OfToken(MetadataTokens.GetToken(reader.GetCustomAttribute(handle).Constructor)));

    private static IEnumerable<int> BodyTokens(BlobReader il)
    {
        var tokens = new List<int>();
        while (il.RemainingBytes > 0)
        {
            short value = il.ReadByte();
            if (value == 0xFE) value = (short)(0xFE00 | il.ReadByte());
            if (!s_operands.TryGetValue(value, out var operand)) throw new InvalidOperationException($"Unknown IL opcode 0x{value:X} at offset {il.Offset - 1}.");
            switch (operand)
            {
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                    tokens.Add(il.ReadInt32());
                    break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32();
                    il.Offset += 4 * targets;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineBrTarget:
                case OperandType.InlineI:
                case OperandType.InlineSig:
                case OperandType.InlineString:
                case OperandType.ShortInlineR:
                    il.Offset += 4;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
            }
        }
        return tokens;
    }

    /// <summary>Collects the assembly's own types (by the name of their outermost type) that a signature or token names.</summary>
    private sealed class TypeCollector(MetadataReader reader) : ISignatureTypeProvider<ImmutableArray<string>, object?>
    {
        public string OutermostName(TypeDefinitionHandle handle)
        {
            var definition = reader.GetTypeDefinition(handle);
            while (definition.IsNested) definition = reader.GetTypeDefinition(definition.GetDeclaringType());
            var name = reader.GetString(definition.Name);
            var space = reader.GetString(definition.Namespace);
            return space.Length == 0 ? name : space + "." + name;
        }

        public IEnumerable<string> Of(EntityHandle handle) => handle.IsNil ? [] : handle.Kind switch
        {
            HandleKind.TypeDefinition => [OutermostName((TypeDefinitionHandle)handle)],
            HandleKind.TypeSpecification => reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null),
            _ => [],
        };

        public IEnumerable<string> OfToken(int token)
        {
            var handle = MetadataTokens.EntityHandle(token);
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                case HandleKind.TypeSpecification:
                    return Of(handle);
                case HandleKind.FieldDefinition:
                    return [OutermostName(reader.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType())];
                case HandleKind.MethodDefinition:
                    return [OutermostName(reader.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType())];
                case HandleKind.MemberReference:
                    var member = reader.GetMemberReference((MemberReferenceHandle)handle);
                    var owner = Of(member.Parent);
                    return member.GetKind() == MemberReferenceKind.Method
                        ? owner.Concat(SignatureTypes(member.DecodeMethodSignature(this, null)))
                        : owner.Concat(member.DecodeFieldSignature(this, null));
                case HandleKind.MethodSpecification:
                    var specification = reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                    return OfToken(MetadataTokens.GetToken(specification.Method))
                        .Concat(specification.DecodeSignature(this, null).SelectMany(static t => t));
                default:
                    return [];
            }
        }

        private static IEnumerable<string> SignatureTypes(MethodSignature<ImmutableArray<string>> signature)
            => signature.ReturnType.Concat(signature.ParameterTypes.SelectMany(static p => p));

        public ImmutableArray<string> GetTypeFromDefinition(MetadataReader metadata, TypeDefinitionHandle handle, byte rawTypeKind) => [OutermostName(handle)];

        public ImmutableArray<string> GetTypeFromReference(MetadataReader metadata, TypeReferenceHandle handle, byte rawTypeKind) => [];

        public ImmutableArray<string> GetTypeFromSpecification(MetadataReader metadata, object? context, TypeSpecificationHandle handle, byte rawTypeKind)
            => metadata.GetTypeSpecification(handle).DecodeSignature(this, context);

        public ImmutableArray<string> GetGenericInstantiation(ImmutableArray<string> genericType, ImmutableArray<ImmutableArray<string>> typeArguments)
            => genericType.AddRange(typeArguments.SelectMany(static t => t));

        public ImmutableArray<string> GetSZArrayType(ImmutableArray<string> elementType) => elementType;

        public ImmutableArray<string> GetArrayType(ImmutableArray<string> elementType, ArrayShape shape) => elementType;

        public ImmutableArray<string> GetByReferenceType(ImmutableArray<string> elementType) => elementType;

        public ImmutableArray<string> GetPointerType(ImmutableArray<string> elementType) => elementType;

        public ImmutableArray<string> GetPinnedType(ImmutableArray<string> elementType) => elementType;

        public ImmutableArray<string> GetModifiedType(ImmutableArray<string> modifier, ImmutableArray<string> unmodifiedType, bool isRequired) => unmodifiedType;

        public ImmutableArray<string> GetFunctionPointerType(MethodSignature<ImmutableArray<string>> signature) => [.. SignatureTypes(signature)];

        public ImmutableArray<string> GetGenericMethodParameter(object? context, int index) => [];

        public ImmutableArray<string> GetGenericTypeParameter(object? context, int index) => [];

        public ImmutableArray<string> GetPrimitiveType(PrimitiveTypeCode typeCode) => [];
    }
}
