package dev

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/subgraphs/customer/account"
	customer "github.com/platterhq/platter/subgraphs/customer/service"
	vendor "github.com/platterhq/platter/subgraphs/vendorsvc/service"
)

// seedAccounts creates the dev ADMIN and demo customer through the account
// rules, once, and prints how to sign in as them.
func seedAccounts(ctx context.Context, cust *customer.Service, out io.Writer) error {
	if _, _, err := cust.Accounts.EnsureAdmin(ctx, account.SignUp{Name: "Platter Admin", Email: AdminEmail, Password: DemoPassword}); err != nil {
		return fmt.Errorf("seed admin: %w", err)
	}
	if _, _, err := cust.Accounts.EnsureCustomer(ctx, demo.CustomerID, account.SignUp{Name: "Demo Customer", Email: CustomerEmail, Password: DemoPassword}); err != nil {
		return fmt.Errorf("seed demo customer: %w", err)
	}
	fmt.Fprintf(out, "Demo accounts (dev mode only), password %q:\n  admin     %s\n  customer  %s\n", DemoPassword, AdminEmail, CustomerEmail)
	return nil
}

// printVendorSignIns prints the demo vendor accounts.
func printVendorSignIns(out io.Writer) {
	fmt.Fprintf(out, "Demo vendors (dev mode only), password %q:\n", demo.Password)
	for _, v := range vendor.DemoSignIns() {
		fmt.Fprintf(out, "  %-9s %-26s %s\n", strings.ToLower(v.Status), v.Email, v.Name)
	}
}
