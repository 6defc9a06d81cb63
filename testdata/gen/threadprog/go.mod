module threadprog

go 1.19
