# Requests and sessions arrive with issue « Sessions ».
