module panicprog

go 1.19
