module genericprog

go 1.21
