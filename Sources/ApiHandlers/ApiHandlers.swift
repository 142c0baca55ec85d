import FCGIHost
