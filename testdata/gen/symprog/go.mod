module symprog

go 1.19
