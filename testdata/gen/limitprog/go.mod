module limitprog

go 1.19
