module contendprog

go 1.19
