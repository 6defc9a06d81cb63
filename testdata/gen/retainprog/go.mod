module retainprog

go 1.19
