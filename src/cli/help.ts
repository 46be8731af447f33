const GLOBAL = `Global options:
  -v, --verbose   print every ip command topo runs
      --no-color  no colour (also: NO_COLOR=1; colour is used only on a terminal)
  -h, --help      show help`;

export const HELP: Record<string, string> = {
  main: `topo: declarative Linux network labs (namespaces, bridges, veth pairs, addresses, routes, sysctls)

Usage: topo <command> [FILE] [options]

Commands:
  validate [FILE]   check the lab file; needs no root
  plan     [FILE]   show what apply would change in the kernel
  apply    [FILE]   make the kernel match the file, then verify
  destroy  [FILE]   remove everything the lab owns, and nothing else

FILE defaults to ./lab.yaml. Run \`topo <command> --help\` for details.

${GLOBAL}

Exit codes: 0 success, 1 any error.`,
  validate: `Usage: topo validate [FILE]

Checks FILE (default ./lab.yaml) against the format: YAML syntax, schema, names, references,
addresses and routes. Every problem is reported as file:line:col with a hint. Needs no root and
never touches the kernel.

${GLOBAL}`,
  plan: `Usage: topo plan [FILE]

Reads the live kernel (ip -j) and shows what \`topo apply\` would change:
    +  create          ~  update in place (attribute: before -> after)
  -/+  replace         -  delete
Dimmed lines are removed by the kernel along with their parent and are not run separately.
Ends with "Plan: N to add, N to change, N to destroy." or "No changes.". Changes nothing.
Needs root (it enters network namespaces).

${GLOBAL}`,
  apply: `Usage: topo apply [FILE] [-y]

Shows the plan, asks for confirmation, then changes the kernel in dependency order, one ip
batch per namespace, and verifies by re-reading the kernel. Running it again changes nothing.
If a step fails, topo reports what was applied, what failed and what was not attempted;
\`topo apply\` again resumes. Ctrl-C finishes the running wave of commands, then stops.

Options:
  -y, --auto-approve   do not ask (required when standard input is not a terminal)

${GLOBAL}`,
  destroy: `Usage: topo destroy [FILE] [-y]

Removes every object that carries this lab's ownership mark (topo:<lab>): its namespaces,
bridges and veths, with their addresses, routes and sysctls. Objects without the mark are never
touched. Waits for the kernel's asynchronous namespace teardown, so that an apply can follow
at once.

Options:
  -y, --auto-approve   do not ask (required when standard input is not a terminal)

${GLOBAL}`,
};
