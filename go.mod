module pregonero

go 1.26.8
