// `lorahpo operator`: runs the LoraStudy controller. The full entry (flags, manager, leader
// election) lands with the controller runtime; until then it says so and exits non-zero.
export async function operatorCommand(args: string[], deps?: unknown): Promise<number> {
  void deps;
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('Usage: lorahpo operator [--kubeconfig PATH] [--namespace NS]... [--metrics-port N] [--leader-elect]\n');
    return 0;
  }
  process.stderr.write('lorahpo operator: the controller is not built yet (issue #6 in progress)\n');
  return 2;
}
