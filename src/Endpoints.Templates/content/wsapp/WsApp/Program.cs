using WsApp;

AppHost.Create(args).Run();
