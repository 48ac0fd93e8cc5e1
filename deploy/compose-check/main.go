// Loads docker-compose.yml as Docker Compose does, with compose-go (the library Compose itself
// uses): the Compose schema, interpolation from an env file, YAML anchors and merges, env_file,
// depends_on targets. Run by deploy/check.sh, once as a newcomer's machine has it (an empty env
// file) and once with .env.example; no container engine needed. Then it checks what the file
// promises and a loader cannot know:
//   - .env.example lists every variable the compose file interpolates;
//   - the workers and the receiver start only after temporal-setup completed successfully, and
//     temporal-setup only once Temporal is healthy;
//   - with no .env, our processes are given exactly the credentials and addresses the simulators
//     serve, so `docker compose up` works with no outside account.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <docker-compose.yml> <.env.example> <empty env file>")
		os.Exit(2)
	}
	composeFile, example, empty := os.Args[1], os.Args[2], os.Args[3]
	var problems []string
	fresh := load(composeFile, empty)
	withExample := load(composeFile, example)
	problems = append(problems, listsEveryVariable(composeFile, example)...)
	for _, p := range []*types.Project{fresh, withExample} {
		problems = append(problems, ordered(p)...)
	}
	problems = append(problems, simulatorsAgree(fresh)...)
	if len(problems) > 0 {
		fmt.Fprintln(os.Stderr, "compose-check: "+composeFile+":\n  "+strings.Join(unique(problems), "\n  "))
		os.Exit(1)
	}
	fmt.Printf("%s: loads as Compose does (with no .env and with %s), %d services, set-up ordered, simulators agree\n",
		composeFile, example, len(fresh.Services))
}

func load(composeFile, envFile string) *types.Project {
	opts, err := cli.NewProjectOptions([]string{composeFile},
		cli.WithEnvFiles(envFile),
		cli.WithDotEnv,
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err == nil {
		var project *types.Project
		if project, err = opts.LoadProject(context.Background()); err == nil {
			return project
		}
	}
	fmt.Fprintf(os.Stderr, "compose-check: %s with env file %s: %v\n", composeFile, envFile, err)
	os.Exit(1)
	return nil
}

var interpolated = regexp.MustCompile(`\$\{([A-Z0-9_]+)`)
var assignment = regexp.MustCompile(`^#?\s*([A-Z0-9_]+)=`)

func listsEveryVariable(composeFile, example string) []string {
	text, err := os.ReadFile(composeFile)
	if err != nil {
		return []string{err.Error()}
	}
	listed := map[string]bool{}
	f, err := os.Open(example)
	if err != nil {
		return []string{err.Error()}
	}
	defer f.Close()
	for s := bufio.NewScanner(f); s.Scan(); {
		if m := assignment.FindStringSubmatch(s.Text()); m != nil {
			listed[m[1]] = true
		}
	}
	var missing []string
	for _, m := range interpolated.FindAllStringSubmatch(string(text), -1) {
		if !listed[m[1]] {
			missing = append(missing, m[1])
		}
	}
	if len(missing) > 0 {
		return []string{fmt.Sprintf("%s does not list %v", example, unique(missing))}
	}
	return nil
}

func ordered(p *types.Project) []string {
	var problems []string
	want := func(service, dependency, condition string) {
		s, err := p.GetService(service)
		if err != nil {
			problems = append(problems, err.Error())
			return
		}
		if got := s.DependsOn[dependency].Condition; got != condition {
			problems = append(problems, fmt.Sprintf("%s must depend on %s with %s, has %q", service, dependency, condition, got))
		}
	}
	for _, s := range []string{"worker-main", "worker-inventory", "worker-catalogue", "receiver"} {
		want(s, "temporal-setup", types.ServiceConditionCompletedSuccessfully)
	}
	want("temporal-setup", "temporal", types.ServiceConditionHealthy)
	want("temporal", "temporal-schema", types.ServiceConditionCompletedSuccessfully)
	return problems
}

// The simulators serve what they are given; our processes must be given the same, and the
// simulators must not read .env (a real receiver password must never let simulated events in).
func simulatorsAgree(p *types.Project) []string {
	sims, err := p.GetService("simulators")
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	if len(sims.EnvFiles) > 0 {
		problems = append(problems, "simulators must not read an env_file")
	}
	for _, name := range []string{"worker-main", "worker-inventory", "worker-catalogue", "receiver"} {
		s, err := p.GetService(name)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for key, simValue := range sims.Environment {
			if strings.HasPrefix(key, "SIM_") {
				continue
			}
			value, ok := s.Environment[key]
			if !ok || value == nil || simValue == nil || *value != *simValue {
				problems = append(problems, fmt.Sprintf("%s: %s differs from the simulators'", name, key))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

func unique(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}
