module oomprog

go 1.19
