module gctraceprog

go 1.19
