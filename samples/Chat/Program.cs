using Chat;

ChatApp.Create(args).Run();
