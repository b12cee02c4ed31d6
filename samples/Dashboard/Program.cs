if (args is ["watch", .. var watch]) return await Dashboard.DashboardWatcher.RunAsync(watch);
Dashboard.DashboardApp.Create(args).Run();
return 0;
