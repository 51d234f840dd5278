-- wrk script: POST the JSON body in $BODY with the bearer token in $TOKEN (one body for every request).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = os.getenv("BODY")
