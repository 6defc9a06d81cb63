module scavprog

go 1.15
