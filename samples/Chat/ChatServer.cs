namespace Chat;

/// <summary>The chat app's setup, shared by Program and the end-to-end tests.</summary>
public static class ChatServer
{
    public static IServiceCollection AddChat(this IServiceCollection services)
    {
        services.AddSingleton<ChatRooms>();
        services.AddWebSocketEndpoints(options => options.OutboxCapacity = 64);
        return services;
    }
}
