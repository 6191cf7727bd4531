import Mustache

/// The web interface's Mustache templates. They live in the binary (no template folder to
/// install next to it); `{{x}}` escapes HTML, `{{{x}}}` is used only for SVG the server drew.
enum WebTemplates {
    /// The templates, parsed once.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in [("layout-head", head), ("layout-foot", foot), ("login", login), ("console", console), ("public", publicPage), ("table", table)] {
            do { try library.register(text, named: name) } catch { preconditionFailure("template \(name) does not parse: \(error)") }
        }
        return library
    }()

    static func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    static let head = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Vigil</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;background:#f5f6f8}
        header{background:#1f3b63;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
        header a{color:#fff} header .who{margin-left:auto}
        main{padding:1rem;max-width:1200px;margin:auto}
        section{background:#fff;border:1px solid #dde;border-radius:6px;padding:.8rem 1rem;margin:0 0 1rem}
        h1{font-size:1.2rem;margin:0} h2{font-size:1.05rem;margin:.2rem 0 .6rem} h3{font-size:.95rem;margin:.8rem 0 .4rem}
        table{border-collapse:collapse;width:100%;font-size:.9rem} th,td{border-bottom:1px solid #eee;padding:.25rem .4rem;text-align:left;vertical-align:top}
        th{background:#f0f2f6} .muted{color:#666} .error{color:#b00020} .ok{color:#2e7d32}
        .status-accepted{color:#2e7d32} .status-vetoed,.status-rejected{color:#b00020}
        form.inline{display:inline} button{cursor:pointer} .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:1rem}
        code{font-size:.85em;word-break:break-all} svg{max-width:100%;height:auto}
        </style></head><body>
        <header><h1>Vigil · {{title}}</h1>{{#node}}<span>node <b>{{node}}</b></span>{{/node}}
        <nav><a href="/console">Command centre</a> · <a href="/public">Public bulletins</a></nav>
        {{#user}}<span class="who">{{user}} ({{role}}, {{scope}}) <form class="inline" method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button id="logout">Log out</button></form></span>{{/user}}
        </header><main>
        {{#flash}}<p class="{{kind}}" id="flash">{{text}}</p>{{/flash}}
        """

    static let foot = """
        </main></body></html>
        """

    static let login = """
        {{> layout-head}}
        <section><h2>Log in</h2>
        <p>Paste the access token your node's administrator issued to you (<code>vigil token issue --user NAME</code>).</p>
        <form method="post" action="/login"><label for="token">Token</label><br>
        <textarea id="token" name="token" rows="4" cols="80" required></textarea><br>
        <button type="submit" id="login">Log in</button></form></section>
        {{> layout-foot}}
        """

    static let table = """
        {{#hasRows}}<table><thead><tr>{{#columns}}<th>{{.}}</th>{{/columns}}</tr></thead><tbody>
        {{#rows}}<tr>{{#cells}}<td>{{.}}</td>{{/cells}}</tr>{{/rows}}
        </tbody></table>{{/hasRows}}{{^hasRows}}<p class="muted">{{empty}}</p>{{/hasRows}}
        """

    static let console = """
        {{> layout-head}}
        {{#situation}}
        <section id="situation"><h2>Situation on {{day}} <span class="muted">({{scope}}, from {{reportCount}} daily reports)</span></h2>
        <div id="risk-map">{{{riskMap}}}</div>
        <h2>Epidemic curve <span class="muted">confirmed per day · suspected (orange) · EARS C2 threshold (dashed) · alarms ▼</span></h2>
        <div id="epidemic-curve">{{{curve}}}</div>
        {{#hasAlarms}}<p id="alarms"><b>Alarms:</b> {{#alarms}}<span class="error">{{.}}</span> {{/alarms}}</p>{{/hasAlarms}}
        <h2>Reproduction number Rt <span class="muted">(Cori et al., 7-day windows, 95% credible band)</span></h2>
        <div id="rt-chart">{{#hasRt}}{{{rt}}}{{/hasRt}}{{^hasRt}}<p class="muted">Too few cases for an estimate yet.</p>{{/hasRt}}</div>
        </section>
        {{/situation}}
        {{#showProposals}}<section id="proposals"><h2>Proposals awaiting this node's vote</h2>
        {{#hasProposals}}<table><thead><tr><th>chain</th><th>#</th><th>subject</th><th>by</th><th>details</th><th>votes</th><th></th></tr></thead><tbody>
        {{#proposals}}<tr class="proposal" data-id="{{id}}"><td>{{chain}}</td><td>{{index}}</td><td>{{subject}}</td><td>{{author}}</td><td>{{details}}</td><td>{{approvers}}</td>
        <td>{{#canVote}}<form class="inline" method="post" action="/console/votes"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="chain" value="{{slug}}"><input type="hidden" name="proposal" value="{{id}}">
        <button name="decision" value="endorse" class="endorse">Endorse</button> <button name="decision" value="reject" class="reject">Reject</button>
        {{#canVeto}}<input name="reason" placeholder="reason (veto)" size="14"> <button name="decision" value="veto" class="veto">Veto</button>{{/canVeto}}</form>{{/canVote}}
        {{^canVote}}<span class="muted">your role may not vote</span>{{/canVote}}</td></tr>{{/proposals}}
        </tbody></table>{{/hasProposals}}{{^hasProposals}}<p class="muted">Nothing awaits this node's vote.</p>{{/hasProposals}}
        </section>{{/showProposals}}
        <section id="chains"><h2>Chains</h2><div class="grid">
        {{#chains}}<div class="chain" data-origin="{{origin}}"><h2>{{origin}}</h2>
        <p>stage <b class="stage">{{stage}}</b> · leader <b>{{leader}}</b> · {{size}} entries</p>
        {{#checkpoint}}<p>final checkpoint: size {{size}}, root <code>{{root}}</code>, {{cosigners}} cosignatures</p>{{/checkpoint}}
        <table><thead><tr><th>member</th><th>role</th><th>credit</th></tr></thead><tbody>{{#members}}<tr><td>{{name}}</td><td>{{role}}</td><td>{{credit}}</td></tr>{{/members}}</tbody></table>
        <h2>Orders</h2>{{#hasOrders}}<table><thead><tr><th>#</th><th>order</th><th>by</th><th>receipts</th></tr></thead><tbody>
        {{#orders}}<tr class="order"><td>{{index}}</td><td>{{text}}</td><td>{{author}}</td><td>{{receiptCount}}/{{recipientCount}} {{#missing}}<span class="muted">(not yet: {{missing}})</span>{{/missing}}</td></tr>{{/orders}}
        </tbody></table>{{/hasOrders}}{{^hasOrders}}<p class="muted">No orders.</p>{{/hasOrders}}
        {{#hasRecent}}<h2>Decided proposals</h2><table><tbody>{{#recent}}<tr><td>{{index}}</td><td>{{subject}}</td><td>{{author}}</td><td class="status-{{status}}">{{status}}{{#vetoedBy}} by {{vetoedBy}}{{/vetoedBy}}</td></tr>{{/recent}}</tbody></table>{{/hasRecent}}
        </div>{{/chains}}{{^chains}}<p class="muted">This node serves no chain.</p>{{/chains}}
        </div></section>
        {{#sections}}<section id="{{id}}"><h2>{{title}}</h2>{{#note}}<p class="muted">{{note}}</p>{{/note}}{{#table}}{{> table}}{{/table}}{{#extras}}<h3>{{title}}</h3>{{#table}}{{> table}}{{/table}}{{/extras}}</section>{{/sections}}
        {{#hasHidden}}<p class="muted" id="hidden-sections">Not shown for the role {{role}}: {{#hidden}}{{.}}; {{/hidden}}</p>{{/hasHidden}}
        {{> layout-foot}}
        """

    static let publicPage = """
        {{> layout-head}}
        <section id="bulletins-intro"><h2>Public bulletins</h2>
        <p>Built only from daily reports that passed two-person review. No names; counts from 1 to {{suppressBelow}} are shown as “&lt;{{suppressBelow}}”.</p>
        {{#hasChain}}<p id="bulletin-chain">Each published bulletin is a <code>bulletin</code> entry on the chain <code>{{chain}}</code>, with exactly the counts shown here.
        Once a final (cosigned) checkpoint covers it, its <b>proof</b> link gives a C2SP tlog-proof that anyone can check offline against the chain's
        <a href="/public/policy">policy</a> with <code>vigil verify proof</code>; until then it is <i>pending</i>.</p>{{/hasChain}}
        {{^hasChain}}<p class="muted" id="no-bulletin-chain">This node puts its bulletins on no chain.</p>{{/hasChain}}</section>
        {{#days}}<section class="bulletin-day"><h2>{{day}}</h2><table><thead><tr><th>community</th><th>confirmed</th><th>suspected</th><th>close contacts</th><th>under follow-up</th><th>quarantined</th><th>ledger</th></tr></thead><tbody>
        {{#bulletins}}<tr class="bulletin"><td>{{community}}{{#zero}} <span class="muted">(zero report)</span>{{/zero}}</td><td>{{confirmed}}</td><td>{{suspected}}</td><td>{{contacts}}</td><td>{{followUp}}</td><td>{{quarantined}}</td>
        <td>{{#hasProof}}<a class="proof" href="{{proof}}">proof</a> <span class="muted">(entry {{index}})</span>
        <details class="verify"><summary>verify</summary><pre>{{#commands}}{{.}}
        {{/commands}}</pre></details>{{/hasProof}}{{#isPending}}<span class="pending muted">pending</span>{{/isPending}}{{^hasProof}}{{^isPending}}<span class="muted">—</span>{{/isPending}}{{/hasProof}}</td></tr>{{/bulletins}}
        </tbody></table></section>{{/days}}
        {{^days}}<section><p class="muted" id="no-bulletins">No approved report yet.</p></section>{{/days}}
        {{> layout-foot}}
        """
}
