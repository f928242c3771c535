"""Java, Node and Go alerts for the evaluation set, written as text.

Unlike the Python alerts these are not produced by running code: they are
realistic traces in each runtime's exact format, with the findings a SARIF
import (SpotBugs, semgrep, staticcheck) would give for the same files. Each
entry of POLYGLOT_ALERTS is (scenario, language, alert fields, cause or None).
"""

from __future__ import annotations

from typing import Any

_SEEN = "2026-02-20T08:00:00Z"


def _f(fid: str, repo: str, path: str, start: int, end: int, fn: str, rule: str, issue: str, sev: str, msg: str,
       tool: str, suggestion: str | None = None) -> dict[str, Any]:
    return {
        "finding_id": fid, "repo": repo, "file_path": path, "line_start": start, "line_end": end,
        "function_name": fn, "rule_id": rule, "issue_type": issue, "severity": sev, "message": msg,
        "suggestion": suggestion, "confidence": 0.8, "first_seen": _SEEN, "last_seen": _SEEN, "detected_by": tool,
    }


J = "src/main/java/com/acme/ledger"
EXTERNAL_FINDINGS: list[dict[str, Any]] = [
    # Java (SpotBugs / find-sec-bugs)
    _f("j-np-1", "acme/ledger", f"{J}/LedgerService.java", 88, 88, "com.acme.ledger.LedgerService.post", "NP_NULL_ON_SOME_PATH",
       "POSSIBLE_NONE_DEREFERENCE", "HIGH", "Possible null pointer dereference of account on some path", "spotbugs",
       "Handle the empty result of accounts.find(id) before calling getBalance()."),
    _f("j-cx-1", "acme/ledger", f"{J}/LedgerService.java", 60, 140, "com.acme.ledger.LedgerService.post", "CC_HIGH",
       "HIGH_COMPLEXITY", "MEDIUM", "Method post has cyclomatic complexity 14", "pmd"),
    _f("j-sql-1", "acme/ledger", f"{J}/StatementRepository.java", 41, 41, "com.acme.ledger.StatementRepository.findByRef",
       "SQL_INJECTION_JDBC", "SQL_INJECTION_RISK", "CRITICAL", "SQL query built by string concatenation", "find-sec-bugs",
       "Use a PreparedStatement with a bound parameter for ref."),
    _f("j-idx-1", "acme/ledger", f"{J}/InvoiceMapper.java", 27, 27, "com.acme.ledger.InvoiceMapper.firstLine", "UNCHECKED_GET0",
       "UNCHECKED_INDEX", "MEDIUM", "get(0) on a list that may be empty", "semgrep"),
    _f("j-sec-1", "acme/ledger", f"{J}/FxRateClient.java", 18, 18, "com.acme.ledger.FxRateClient", "HARD_CODE_PASSWORD",
       "HARDCODED_SECRET", "HIGH", "Hard coded API key", "find-sec-bugs"),
    _f("j-cx-2", "acme/ledger", f"{J}/FxRateClient.java", 40, 90, "com.acme.ledger.FxRateClient.fetch", "CC_HIGH",
       "HIGH_COMPLEXITY", "HIGH", "Method fetch has cyclomatic complexity 17", "pmd"),
    _f("j-leak-1", "acme/ledger", f"{J}/ReportExporter.java", 120, 121, "com.acme.ledger.ReportExporter.writeCsv",
       "OBL_UNSATISFIED_OBLIGATION", "RESOURCE_LEAK", "MEDIUM", "Writer may not be closed", "spotbugs"),
    _f("j-wc-1", "acme/ledger", f"{J}/AmountParser.java", 12, 12, "com.acme.ledger.AmountParser", "WEAK_MESSAGE_DIGEST_MD5",
       "WEAK_CRYPTO", "MEDIUM", "MD5 used for checksums", "find-sec-bugs"),
    _f("j-np-2", "acme/ledger", f"{J}/AccountController.java", 47, 47, "com.acme.ledger.AccountController.show",
       "NP_NULL_ON_SOME_PATH_FROM_RETURN_VALUE", "POSSIBLE_NONE_DEREFERENCE", "HIGH",
       "orElse(null) result dereferenced without a null check", "spotbugs"),
    _f("j-idx-2", "acme/ledger", f"{J}/CsvImporter.java", 72, 72, "com.acme.ledger.CsvImporter.parseLine", "UNCHECKED_SPLIT_INDEX",
       "UNCHECKED_INDEX", "MEDIUM", "split(...)[1] without a length check", "semgrep"),
    _f("j-np-3", "acme/ledger", f"{J}/TransferValidator.java", 19, 19, "com.acme.ledger.TransferValidator.check",
       "NP_PARAMETER_MUST_BE_NONNULL", "POSSIBLE_NONE_DEREFERENCE", "HIGH", "currency may be null here", "spotbugs"),
    # Node (semgrep / eslint)
    _f("n-np-1", "acme/storefront-web", "src/users/profile.js", 23, 23, "getProfile", "js-undefined-property",
       "POSSIBLE_NONE_DEREFERENCE", "HIGH", "user may be undefined when findUser() misses", "semgrep",
       "Return 404 when findUser() resolves to undefined."),
    _f("n-np-2", "acme/storefront-web", "src/cart/total.js", 12, 12, "cartTotal", "js-null-property", "POSSIBLE_NONE_DEREFERENCE",
       "HIGH", "cart may be null for new sessions", "semgrep"),
    _f("n-np-3", "acme/storefront-web", "src/cart/total.js", 30, 30, "firstSku", "js-undefined-property",
       "POSSIBLE_NONE_DEREFERENCE", "MEDIUM", "cart.lines may be undefined", "semgrep"),
    _f("n-sql-1", "acme/storefront-web", "src/catalog/search.js", 30, 30, "searchProducts", "js-sqli-template",
       "SQL_INJECTION_RISK", "CRITICAL", "SQL built with a template literal from request input", "semgrep",
       "Use connection.query(sql, [term]) with a placeholder."),
    _f("n-todo-1", "acme/storefront-web", "src/catalog/tree.js", 3, 3, None, "no-warning-comments", "INCOMPLETE_TODO", "LOW",
       "TODO: guard against cycles", "eslint"),
    _f("n-np-4", "acme/storefront-web", "src/payments/charge.js", 47, 47, "chargeCard", "js-undefined-property",
       "POSSIBLE_NONE_DEREFERENCE", "HIGH", "response.data.charge may be undefined", "semgrep"),
    _f("n-long-1", "acme/storefront-web", "src/orders/render.js", 40, 120, "renderInvoice", "max-lines-per-function",
       "LONG_FUNCTION", "LOW", "Function has 81 lines", "eslint"),
    _f("n-eval-1", "acme/storefront-web", "src/fx/rates.js", 25, 25, "applyFormula", "no-eval", "EVAL_USAGE", "HIGH",
       "eval() of a value read from the rates feed", "eslint"),
    # Go (staticcheck / gosec)
    _f("g-np-1", "acme/dispatch", "internal/courier/assign.go", 57, 57, "courier.(*Assigner).Pick", "SA5011",
       "POSSIBLE_NONE_DEREFERENCE", "HIGH", "possible nil pointer dereference of best", "staticcheck"),
    _f("g-idx-1", "acme/dispatch", "internal/route/plan.go", 33, 33, "route.firstStop", "G602", "UNCHECKED_INDEX", "MEDIUM",
       "slice index out of range is possible: stops[0]", "gosec"),
    _f("g-cx-1", "acme/dispatch", "internal/client/eta.go", 30, 80, "client.FetchETA", "gocyclo", "HIGH_COMPLEXITY", "MEDIUM",
       "cyclomatic complexity 16 of func FetchETA is high (> 10)", "gocyclo"),
    _f("g-sql-1", "acme/dispatch", "internal/store/orders.go", 63, 63, "store.(*Orders).ByCourier", "G201",
       "SQL_INJECTION_RISK", "HIGH", "SQL string formatting", "gosec"),
    _f("g-np-2", "acme/dispatch", "internal/api/orders.go", 88, 88, "api.(*Server).getOrder", "SA5011",
       "POSSIBLE_NONE_DEREFERENCE", "HIGH", "possible nil pointer dereference of order", "staticcheck"),
    _f("g-err-1", "acme/dispatch", "internal/cache/zones.go", 40, 40, "cache.(*Zones).Refresh", "G104", "SILENT_EXCEPTION_SWALLOW",
       "LOW", "errors unhandled", "gosec"),
]


def _cause(path: str, line: int, issue: str | None) -> dict[str, Any]:
    return {"file_path": path, "line": line, "issue_type": issue}


JT = "\tat "
POLYGLOT_ALERTS: list[tuple[str, str, dict[str, Any], dict[str, Any] | None]] = [
    ("java_npe_post", "java", {"stack_trace": (
        'java.lang.NullPointerException: Cannot invoke "com.acme.ledger.Account.getBalance()" because "account" is null\n'
        f"{JT}com.acme.ledger.LedgerService.post(LedgerService.java:88)\n"
        f"{JT}com.acme.ledger.LedgerController.create(LedgerController.java:34)\n"
        f"{JT}java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)\n"
        f"{JT}org.springframework.web.method.support.InvocableHandlerMethod.doInvoke(InvocableHandlerMethod.java:255)\n"
        f"{JT}org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)\n"
    )}, _cause(f"{J}/LedgerService.java", 88, "POSSIBLE_NONE_DEREFERENCE")),
    ("java_sql_wrapped", "java", {"stack_trace": (
        "org.springframework.jdbc.BadSqlGrammarException: StatementCallback; bad SQL grammar [SELECT * FROM statements WHERE ref = 'O'Hara']\n"
        f"{JT}org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator.doTranslate(SQLErrorCodeSQLExceptionTranslator.java:237)\n"
        f"{JT}org.springframework.jdbc.core.JdbcTemplate.execute(JdbcTemplate.java:425)\n"
        f"{JT}com.acme.ledger.StatementRepository.findByRef(StatementRepository.java:42)\n"
        f"{JT}com.acme.ledger.StatementController.byRef(StatementController.java:29)\n"
        "Caused by: java.sql.SQLSyntaxErrorException: You have an error in your SQL syntax; check the manual near 'Hara'' at line 1\n"
        f"{JT}com.mysql.cj.jdbc.exceptions.SQLError.createSQLException(SQLError.java:120)\n"
        f"{JT}com.mysql.cj.jdbc.StatementImpl.executeQuery(StatementImpl.java:1200)\n"
        f"{JT}org.springframework.jdbc.core.JdbcTemplate$1QueryStatementCallback.doInStatement(JdbcTemplate.java:452)\n"
        "\t... 6 more\n"
    )}, _cause(f"{J}/StatementRepository.java", 41, "SQL_INJECTION_RISK")),
    ("java_index_first_line", "java", {"error_type": "java.lang.IndexOutOfBoundsException", "stack_trace": (
        "java.lang.IndexOutOfBoundsException: Index 0 out of bounds for length 0\n"
        f"{JT}java.base/jdk.internal.util.Preconditions.outOfBounds(Preconditions.java:100)\n"
        f"{JT}java.base/java.util.Objects.checkIndex(Objects.java:385)\n"
        f"{JT}java.base/java.util.ArrayList.get(ArrayList.java:427)\n"
        f"{JT}com.acme.ledger.InvoiceMapper.firstLine(InvoiceMapper.java:27)\n"
        f"{JT}com.acme.ledger.InvoiceMapper.toDto(InvoiceMapper.java:15)\n"
        f"{JT}com.acme.ledger.InvoiceController.show(InvoiceController.java:40)\n"
    )}, _cause(f"{J}/InvoiceMapper.java", 27, "UNCHECKED_INDEX")),
    ("java_fx_timeout", "java", {"stack_trace": (
        "java.net.SocketTimeoutException: Read timed out\n"
        f"{JT}java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:288)\n"
        f"{JT}java.base/java.net.Socket$SocketInputStream.read(Socket.java:1099)\n"
        f"{JT}okio.InputStreamSource.read(JvmOkio.kt:94)\n"
        f"{JT}okhttp3.internal.http1.Http1ExchangeCodec.readResponseHeaders(Http1ExchangeCodec.kt:180)\n"
        f"{JT}okhttp3.internal.connection.RealCall.execute(RealCall.kt:154)\n"
        f"{JT}com.acme.ledger.FxRateClient.fetch(FxRateClient.java:55)\n"
        f"{JT}com.acme.ledger.LedgerService.convert(LedgerService.java:150)\n"
    )}, None),
    ("java_oom_export", "java", {"stack_trace": (
        'Exception in thread "export-1" java.lang.OutOfMemoryError: Java heap space\n'
        f"{JT}java.base/java.util.Arrays.copyOf(Arrays.java:3537)\n"
        f"{JT}java.base/java.lang.StringBuilder.append(StringBuilder.java:179)\n"
        f"{JT}com.acme.ledger.ReportExporter.export(ReportExporter.java:64)\n"
        f"{JT}com.acme.ledger.ReportJob.run(ReportJob.java:22)\n"
    )}, None),
    ("java_number_format", "java", {"stack_trace": (
        'java.lang.NumberFormatException: For input string: "12,50"\n'
        f"{JT}java.base/java.lang.NumberFormatException.forInputString(NumberFormatException.java:67)\n"
        f"{JT}java.base/java.lang.Long.parseLong(Long.java:711)\n"
        f"{JT}com.acme.ledger.AmountParser.parse(AmountParser.java:33)\n"
        f"{JT}com.acme.ledger.CsvImporter.parseLine(CsvImporter.java:74)\n"
    )}, _cause(f"{J}/AmountParser.java", 33, None)),
    ("java_npe_controller", "java", {"error_type": "java.lang.NullPointerException", "error_message": (
        'Cannot invoke "com.acme.ledger.Account.getName()" because the return value of "java.util.Optional.orElse(Object)" is null'),
        "frames": [
            {"file_path": "org/springframework/web/servlet/FrameworkServlet.java", "line_number": 885, "function_name": "org.springframework.web.servlet.FrameworkServlet.service", "in_app": False},
            {"file_path": "com/acme/ledger/AccountController.java", "line_number": 47, "function_name": "com.acme.ledger.AccountController.show", "in_app": True},
        ]}, _cause(f"{J}/AccountController.java", 47, "POSSIBLE_NONE_DEREFERENCE")),
    ("java_class_not_found", "java", {"stack_trace": (
        "java.lang.ClassNotFoundException: com.acme.payments.client.PaymentsApi\n"
        f"{JT}java.base/jdk.internal.loader.BuiltinClassLoader.loadClass(BuiltinClassLoader.java:641)\n"
        f"{JT}java.base/java.lang.ClassLoader.loadClass(ClassLoader.java:526)\n"
        f"{JT}org.springframework.boot.loader.LaunchedURLClassLoader.loadClass(LaunchedURLClassLoader.java:151)\n"
    )}, None),
    ("java_csv_split", "java", {"stack_trace": (
        "java.lang.ArrayIndexOutOfBoundsException: Index 1 out of bounds for length 1\n"
        f"{JT}com.acme.ledger.CsvImporter.parseLine(CsvImporter.java:72)\n"
        f"{JT}com.acme.ledger.CsvImporter.lambda$importAll$0(CsvImporter.java:51)\n"
        f"{JT}java.base/java.util.stream.ReferencePipeline$3$1.accept(ReferencePipeline.java:197)\n"
        f"{JT}com.acme.ledger.CsvImporter.importAll(CsvImporter.java:52)\n"
    )}, _cause(f"{J}/CsvImporter.java", 72, "UNCHECKED_INDEX")),
    ("java_wrapped_npe", "java", {"stack_trace": (
        "java.lang.IllegalStateException: transfer 81723 rejected\n"
        f"{JT}com.acme.ledger.TransferService.submit(TransferService.java:64)\n"
        f"{JT}com.acme.ledger.TransferController.create(TransferController.java:31)\n"
        "Caused by: java.lang.NullPointerException: Cannot invoke \"String.equals(Object)\" because \"currency\" is null\n"
        f"{JT}com.acme.ledger.TransferValidator.check(TransferValidator.java:19)\n"
        f"{JT}com.acme.ledger.TransferService.submit(TransferService.java:58)\n"
        "\t... 1 more\n"
    )}, _cause(f"{J}/TransferValidator.java", 19, "POSSIBLE_NONE_DEREFERENCE")),
    ("node_profile_undefined", "node", {"stack_trace": (
        "TypeError: Cannot read properties of undefined (reading 'email')\n"
        "    at getProfile (/usr/src/app/src/users/profile.js:23:31)\n"
        "    at async /usr/src/app/src/routes/users.js:14:20\n"
        "    at async Layer.handle [as handle_request] (/usr/src/app/node_modules/express/lib/router/layer.js:95:5)\n"
    )}, _cause("src/users/profile.js", 23, "POSSIBLE_NONE_DEREFERENCE")),
    ("node_cart_null", "node", {"stack_trace": (
        "TypeError: Cannot read properties of null (reading 'items')\n"
        "    at cartTotal (/usr/src/app/src/cart/total.js:12:22)\n"
        "    at checkout (/usr/src/app/src/cart/checkout.js:40:17)\n"
        "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n"
    )}, _cause("src/cart/total.js", 12, "POSSIBLE_NONE_DEREFERENCE")),
    ("node_redis_refused", "node", {"stack_trace": (
        "Error: connect ECONNREFUSED 10.0.3.7:6379\n"
        "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n"
    )}, None),
    ("node_sql_template", "node", {"stack_trace": (
        "Error: ER_PARSE_ERROR: You have an error in your SQL syntax; check the manual that corresponds to your MySQL server "
        "version for the right syntax to use near 's pens'' at line 1\n"
        "    at Query.Sequence._packetToError (/usr/src/app/node_modules/mysql/lib/protocol/sequences/Sequence.js:47:14)\n"
        "    at Query.ErrorPacket (/usr/src/app/node_modules/mysql/lib/protocol/sequences/Query.js:79:18)\n"
        "    at Protocol._parsePacket (/usr/src/app/node_modules/mysql/lib/protocol/Protocol.js:291:23)\n"
        "    --------------------\n"
        "    at Protocol._enqueue (/usr/src/app/node_modules/mysql/lib/protocol/Protocol.js:144:48)\n"
        "    at Connection.query (/usr/src/app/node_modules/mysql/lib/Connection.js:198:25)\n"
        "    at searchProducts (/usr/src/app/src/catalog/search.js:31:9)\n"
        "    at /usr/src/app/src/routes/catalog.js:22:5\n"
    )}, _cause("src/catalog/search.js", 30, "SQL_INJECTION_RISK")),
    ("node_tree_recursion", "node", {"stack_trace": (
        "RangeError: Maximum call stack size exceeded\n"
        "    at flattenCategories (/usr/src/app/src/catalog/tree.js:8:20)\n"
        "    at flattenCategories (/usr/src/app/src/catalog/tree.js:11:7)\n"
        "    at flattenCategories (/usr/src/app/src/catalog/tree.js:11:7)\n"
    )}, _cause("src/catalog/tree.js", 8, None)),
    ("node_fetch_timeout", "node", {"stack_trace": (
        "FetchError: network timeout at: https://api.payments.example/v1/charge\n"
        "    at Timeout.<anonymous> (/usr/src/app/node_modules/node-fetch/lib/index.js:1491:13)\n"
        "    at listOnTimeout (node:internal/timers:569:17)\n"
        "    at process.processTimers (node:internal/timers:512:7)\n"
        "    at async chargeCard (/usr/src/app/src/payments/charge.js:44:23)\n"
    )}, None),
    ("node_map_not_function", "node", {"stack_trace": (
        "TypeError: items.map is not a function\n"
        "    at renderOrder (/usr/src/app/src/orders/render.js:15:24)\n"
        "    at /usr/src/app/src/routes/orders.js:33:12\n"
    )}, _cause("src/orders/render.js", 15, None)),
    ("node_first_sku", "node", {"stack_trace": (
        "TypeError: Cannot read properties of undefined (reading '0')\n"
        "    at firstSku (/usr/src/app/src/cart/total.js:30:35)\n"
        "    at recommend (/usr/src/app/src/cart/recommend.js:9:15)\n"
    )}, _cause("src/cart/total.js", 30, "POSSIBLE_NONE_DEREFERENCE")),
    ("node_axios_503", "node", {"error_type": "AxiosError", "stack_trace": (
        "AxiosError: Request failed with status code 503\n"
        "    at settle (/usr/src/app/node_modules/axios/lib/core/settle.js:19:12)\n"
        "    at IncomingMessage.handleStreamEnd (/usr/src/app/node_modules/axios/lib/adapters/http.js:585:11)\n"
        "    at IncomingMessage.emit (node:events:529:35)\n"
    )}, None),
    ("node_rates_html", "node", {"stack_trace": (
        "SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON\n"
        "    at JSON.parse (<anonymous>)\n"
        "    at loadRates (/usr/src/app/src/fx/rates.js:19:21)\n"
        "    at async refresh (/usr/src/app/src/fx/scheduler.js:12:5)\n"
    )}, None),
    ("go_nil_assigner", "go", {"stack_trace": (
        "panic: runtime error: invalid memory address or nil pointer dereference\n"
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x6b1f3a]\n\n"
        "goroutine 87 [running]:\n"
        "github.com/acme/dispatch/internal/courier.(*Assigner).Pick(0xc0001a2000, {0xc000214000, 0x3, 0x4})\n"
        "\t/build/internal/courier/assign.go:57 +0x1ba\n"
        "github.com/acme/dispatch/internal/api.(*Server).assign(0xc00011e0c0, {0x7f2c40, 0xc0002a40e0}, 0xc0002b6000)\n"
        "\t/build/internal/api/assign.go:31 +0x8d\n"
        "net/http.HandlerFunc.ServeHTTP(0xc000132a80, {0x7f2c40, 0xc0002a40e0}, 0xc0002b6000)\n"
        "\t/usr/local/go/src/net/http/server.go:2136 +0x29\n"
    )}, _cause("internal/courier/assign.go", 57, "POSSIBLE_NONE_DEREFERENCE")),
    ("go_first_stop", "go", {"stack_trace": (
        "panic: runtime error: index out of range [0] with length 0\n\n"
        "goroutine 112 [running]:\n"
        "github.com/acme/dispatch/internal/route.firstStop(...)\n"
        "\t/build/internal/route/plan.go:33\n"
        "github.com/acme/dispatch/internal/route.Plan({0x0, 0x0, 0x0})\n"
        "\t/build/internal/route/plan.go:21 +0x3c5\n"
        "main.main()\n"
        "\t/build/cmd/dispatch/main.go:44 +0x1e5\n"
    )}, _cause("internal/route/plan.go", 33, "UNCHECKED_INDEX")),
    ("go_nil_map", "go", {"stack_trace": (
        "panic: assignment to entry in nil map\n\n"
        "goroutine 9 [running]:\n"
        "github.com/acme/dispatch/internal/cache.(*Zones).Put(...)\n"
        "\t/build/internal/cache/zones.go:21\n"
        "github.com/acme/dispatch/internal/cache.Warm(0xc0000a6000)\n"
        "\t/build/internal/cache/warm.go:17 +0x91\n"
    )}, _cause("internal/cache/zones.go", 21, None)),
    ("go_eta_deadline", "go", {"stack_trace": (
        "panic: Get \"http://eta.internal:8080/v1/eta?order=8812\": context deadline exceeded\n\n"
        "goroutine 41 [running]:\n"
        "github.com/acme/dispatch/internal/client.FetchETA({0x7f8e10, 0xc000120000}, 0x226c)\n"
        "\t/build/internal/client/eta.go:48 +0x2f4\n"
        "github.com/acme/dispatch/internal/api.(*Server).eta(0xc00011e0c0, {0x7f2c40, 0xc0002a40e0}, 0xc0002b6100)\n"
        "\t/build/internal/api/eta.go:22 +0x77\n"
    )}, None),
    ("go_oom", "go", {"stack_trace": (
        "fatal error: runtime: out of memory\n\n"
        "runtime stack:\n"
        "runtime.throw({0x6f1c3e, 0x16})\n"
        "\t/usr/local/go/src/runtime/panic.go:1077 +0x5c\n"
        "runtime.sysMap(0xc400000000, 0x4000000, 0xa3e0d8)\n"
        "\t/usr/local/go/src/runtime/mem_linux.go:167 +0xc5\n"
    )}, None),
    ("go_sql_format", "go", {"stack_trace": (
        "panic: pq: syntax error at or near \"s\"\n\n"
        "goroutine 66 [running]:\n"
        "github.com/acme/dispatch/internal/store.(*Orders).ByCourier(0xc0001b4000, {0xc00002c0c0, 0x9})\n"
        "\t/build/internal/store/orders.go:64 +0x3b1\n"
        "github.com/acme/dispatch/internal/api.(*Server).courierOrders(0xc00011e0c0, {0x7f2c40, 0xc0002a40e0}, 0xc0002b6200)\n"
        "\t/build/internal/api/orders.go:51 +0x12c\n"
    )}, _cause("internal/store/orders.go", 63, "SQL_INJECTION_RISK")),
    ("go_slice_bounds", "go", {"stack_trace": (
        "panic: runtime error: slice bounds out of range [:5] with capacity 3\n\n"
        "goroutine 18 [running]:\n"
        "github.com/acme/dispatch/internal/route.Preview(...)\n"
        "\t/build/internal/route/plan.go:58\n"
        "github.com/acme/dispatch/internal/api.(*Server).preview(0xc00011e0c0, {0x7f2c40, 0xc0002a40e0}, 0xc0002b6300)\n"
        "\t/build/internal/api/route.go:40 +0x55\n"
    )}, _cause("internal/route/plan.go", 58, None)),
    ("go_nil_order", "go", {"stack_trace": (
        "panic: runtime error: invalid memory address or nil pointer dereference\n"
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x40 pc=0x6c02d1]\n\n"
        "goroutine 203 [running]:\n"
        "github.com/acme/dispatch/internal/api.(*Server).getOrder(0xc00011e0c0, {0x7f2c40, 0xc0002a4380}, 0xc0002b6400)\n"
        "\t/build/internal/api/orders.go:88 +0x151\n"
        "net/http.HandlerFunc.ServeHTTP(0xc000132b40, {0x7f2c40, 0xc0002a4380}, 0xc0002b6400)\n"
        "\t/usr/local/go/src/net/http/server.go:2136 +0x29\n\n"
        "goroutine 1 [IO wait]:\n"
        "internal/poll.runtime_pollWait(0x7f1a2c1e0e28, 0x72)\n"
        "\t/usr/local/go/src/runtime/netpoll.go:343 +0x85\n"
    )}, _cause("internal/api/orders.go", 88, "POSSIBLE_NONE_DEREFERENCE")),
]
