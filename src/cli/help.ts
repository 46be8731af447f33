const GLOBAL = `Global options:
  -v, --verbose   print every command topo runs (ip, and the xargs that enter namespaces)
      --no-color  no colour (also: NO_COLOR=1; colour is used only on a terminal)
  -h, --help      show help`;

const JSON_NOTE = `      --json      print one JSON document on stdout (schemas/plan.schema.json);
                  human text and progress go to stderr`;

export const HELP: Record<string, string> = {
  main: `topo: declarative Linux network labs (namespaces, bridges, veth pairs, addresses, routes, sysctls)

Usage: topo <command> [FILE] [options]

Commands:
  validate [FILE]        check the lab file; needs no root
  plan     [FILE]        show what apply would change in the kernel
  apply    [FILE|PLAN]   make the kernel match the file (or apply a saved plan), then verify
  destroy  [FILE]        remove everything the lab owns, and nothing else
  drift    [FILE]        report what changed in the kernel outside topo
  show     [FILE]        show the lab's live state
  ls                     list the labs that have objects on this machine
  doctor   [FILE]        check this machine can run the lab, with a fix for each problem
  test     [FILE]        run the file's tests (ping, tcp, route); --sandbox: in a throwaway sandbox
  exec     NODE [FILE] -- CMD...   run a command inside a node (--all: in every node)
  sandbox  [FILE] -- CMD...        the lab in a throwaway sandbox while CMD runs; no root needed

FILE defaults to ./lab.yaml. Run \`topo <command> --help\` for details.

${GLOBAL}

Exit codes: 0 success, 1 any error; plan and drift with --detailed-exitcode: 2 when there are changes;
test: 1 when a test fails; exec and sandbox: the command's own exit code.`,
  validate: `Usage: topo validate [FILE]

Checks FILE (default ./lab.yaml) against the format: YAML syntax, schema, names, references,
addresses and routes. Every problem is reported as file:line:col with a hint. Needs no root and
never touches the kernel.

${GLOBAL}`,
  plan: `Usage: topo plan [FILE] [--destroy] [--out PLAN] [--json] [--detailed-exitcode]

Reads the live kernel (ip -j) and shows what \`topo apply\` would change:
    +  create          ~  update in place (attribute: before -> after)
  -/+  replace         -  delete
Dimmed lines are removed by the kernel along with their parent and are not run separately.
Ends with "Plan: N to add, N to change, N to destroy." or "No changes.". Changes nothing.
Needs root (it enters network namespaces). Takes no lock.

Options:
      --destroy            preview \`topo destroy\` instead
      --out PLAN           also save the plan; \`topo apply PLAN\` applies exactly it, and
                           refuses if the lab file or the kernel changed since
${JSON_NOTE}
      --detailed-exitcode  exit 0 for no changes, 1 for an error, 2 when there are changes

${GLOBAL}`,
  apply: `Usage: topo apply [FILE | PLAN] [-y] [--json] [--lock-timeout DURATION]

Shows the plan, asks for confirmation, then changes the kernel in dependency order, one ip
batch per namespace, and verifies by re-reading the kernel. Running it again changes nothing.
If a step fails, topo reports what was applied, what failed and what was not attempted;
\`topo apply\` again resumes. Ctrl-C (or SIGTERM) finishes the running wave of commands, then
stops; a second one aborts at once.

Given a saved plan (from \`topo plan --out PLAN\`), applies exactly that plan without asking,
and refuses ("saved plan is stale") if the lab file or the lab's kernel state changed since.

Options:
  -y, --auto-approve           do not ask (required when standard input is not a terminal)
      --lock-timeout DURATION  wait up to DURATION (30s, 2m) for another run on the same lab
                               to finish, instead of failing at once
${JSON_NOTE}

${GLOBAL}`,
  destroy: `Usage: topo destroy [FILE | --lab NAME] [-y] [--json] [--lock-timeout DURATION]

Removes every object that carries this lab's ownership mark (topo:<lab>): its namespaces,
bridges and veths, with their addresses, routes and sysctls. Objects without the mark are never
touched. A namespace whose identity topo recorded when it made it (/run/topo/<lab>.netns) is
deleted without being read, with all it holds, and listed that way; any other namespace is read
and judged by its mark. Waits for the kernel's asynchronous namespace teardown, so that an
apply can follow at once.

Options:
  -y, --auto-approve           do not ask (required when standard input is not a terminal)
      --lab NAME               destroy lab NAME without its file (see \`topo ls\`)
      --lock-timeout DURATION  wait up to DURATION for another run on the same lab
${JSON_NOTE}

${GLOBAL}`,
  drift: `Usage: topo drift [FILE] [--json] [--detailed-exitcode]

Lists what changed in the kernel outside topo, without proposing anything else: objects
missing or deleted, owned objects no longer in the file, addresses added or removed, links
down, MTUs, masters and sysctls changed. Each item says what the file wants and what the kernel
has. \`topo apply\` repairs it all. Read-only; takes no lock.

Options:
${JSON_NOTE}
      --detailed-exitcode  exit 0 for no drift, 1 for an error, 2 when there is drift

${GLOBAL}`,
  show: `Usage: topo show [FILE] [--json]

Shows the live state of the lab: namespaces, interfaces with their state, MTU, peer or master
and addresses, and routes. Objects the lab owns that the file no longer declares are marked *.
Read-only; takes no lock.

Options:
${JSON_NOTE}

${GLOBAL}`,
  doctor: `Usage: topo doctor [FILE]

Checks, with a fix for each problem: root or CAP_NET_ADMIN; an iproute2 with JSON output
(-j); that the kernel can create the link kinds the lab uses (probed in a scratch namespace
that is deleted at once); a firewall that would silently drop bridged traffic (br_netfilter
with a FORWARD policy other than ACCEPT); GNU xargs, without which namespaces are entered
the slower way (a warning); and names the lab wants that objects topo does not own already
hold. \`apply\` runs the same checks (xargs's aside) before it changes anything;
\`plan\`, which must not create anything, runs all but the kernel probe. Exit code 1 when
something must be fixed.

${GLOBAL}`,
  ls: `Usage: topo ls [--json]

Lists every lab that has objects on this machine, found by their ownership marks, with the
number of namespaces and links each owns. A lab whose file is lost can still be removed with
\`topo destroy --lab NAME\`.

Options:
${JSON_NOTE}

${GLOBAL}`,
  test: `Usage: topo test [FILE] [--sandbox] [--json] [--junit FILE]

Runs the tests: section of the lab file against the running lab, in parallel where they are
independent, each retried within its time budget (timeout:, default 3s). One line per test
with PASS or FAIL and what was sent and what came back, then a summary.

  ping:  { from: NODE, to: NODE|IP, family: 4|6, expect: pass|fail }
         a node as target means each of its addresses of that family (the output names them)
  tcp:   { from: NODE, to: NODE|IP, port: 1-65535, expect: pass|fail }
         topo listens on the target node for the test (with Node.js, no shell)
  route: { node: NODE, to: PREFIX|default|IP, via: GATEWAY, dev: IFACE }
         a prefix must be in the main table; an address is checked with the route the kernel picks

Options:
      --sandbox   apply the lab in a throwaway sandbox (new user, network, mount and PID
                  namespaces; no root needed where the kernel allows user namespaces), run the
                  tests there; nothing is left behind, even on failure or Ctrl-C
      --junit F   also write the results as JUnit XML to F, for CI
${JSON_NOTE}

Exit code: 0 when every test passes, 1 otherwise.

${GLOBAL}`,
  exec: `Usage: topo exec NODE [FILE] -- CMD [ARGS...]
       topo exec --all [FILE] -- CMD [ARGS...]

Runs CMD inside the node's network namespace (ip netns exec), with your terminal, and exits
with CMD's exit code. CMD is run as given (argv), never through a shell; to use shell syntax,
run one: topo exec ns0 -- sh -c 'ip -br a | grep UP'. With --all, CMD runs in every node at
once and each output line is prefixed with the node's name; the exit code is the first
non-zero one. NODE must be a node of the lab file (FILE defaults to ./lab.yaml).

${GLOBAL}`,
  sandbox: `Usage: topo sandbox [FILE] -- CMD [ARGS...]

Creates a throwaway sandbox (new user, network, mount and PID namespaces: no root needed where
the kernel allows unprivileged user namespaces), applies the lab inside it, and runs CMD there,
for example a shell or a test suite. When CMD exits, the sandbox and the lab vanish; nothing
on the machine changes. Inside, use topo exec or ip netns exec as usual.

  topo sandbox lab.yaml -- bash
  topo sandbox lab.yaml -- ip netns exec ns0 ping -c1 10.0.0.2

${GLOBAL}`,
};
