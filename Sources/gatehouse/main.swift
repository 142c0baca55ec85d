import FCGIHost
print(probe())
