SELECT {select} FROM {view} WHERE period = '{period}' ORDER BY {order}
