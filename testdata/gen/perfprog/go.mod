module perfprog

go 1.21
